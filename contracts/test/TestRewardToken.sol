// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A reward token for tests and local chains: anyone may mint. Never deploy it for real.
contract TestRewardToken is ERC20 {
    constructor() ERC20("Test Reward", "TRWD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
