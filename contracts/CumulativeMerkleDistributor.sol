// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title Cumulative Merkle distributor of epoch rewards.
 * @notice The owner (the dashboard's publisher key) publishes, once per settled epoch, the root of
 * a Merkle tree whose leaves are (account, cumulativeAmount): everything the account has earned up
 * to the end of that epoch, in token units. Anyone may claim for an account; the account receives
 * cumulativeAmount minus what it has already been paid, so a claim with the newest proof pays
 * every epoch not yet claimed at once, and repeating it pays nothing.
 * @dev Leaves follow OpenZeppelin's StandardMerkleTree (`@openzeppelin/merkle-tree`) for the types
 * (address, uint256): keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount)))).
 * Only the current root is accepted: a proof against an older root reverts, and the account simply
 * claims with its newest proof (amounts are cumulative, so nothing is lost).
 */
contract CumulativeMerkleDistributor is Ownable {
    using SafeERC20 for IERC20;

    /// @notice The ERC-20 token paid out; this contract must hold enough of it.
    IERC20 public immutable token;

    /// @notice Root of the latest published epoch (zero until the first publication).
    bytes32 public merkleRoot;

    /// @notice The epoch whose root is `merkleRoot`.
    uint64 public epoch;

    /// @notice Total paid to each account so far.
    mapping(address account => uint256 amount) public claimed;

    event RootPublished(uint64 indexed epoch, bytes32 root);
    event Claimed(address indexed account, uint64 indexed epoch, uint256 amount, uint256 cumulativeAmount);

    /// @notice A root may only be published for a later epoch than the current one.
    error EpochNotNewer(uint64 currentEpoch, uint64 givenEpoch);
    /// @notice The proof does not show (account, cumulativeAmount) to be a leaf of the current root.
    error InvalidProof();

    constructor(IERC20 token_, address owner_) Ownable(owner_) {
        token = token_;
    }

    /// @notice Publishes the root of `epoch_`; only the owner, only for a newer epoch.
    function setRoot(uint64 epoch_, bytes32 root) external onlyOwner {
        if (merkleRoot != bytes32(0) && epoch_ <= epoch) revert EpochNotNewer(epoch, epoch_);
        epoch = epoch_;
        merkleRoot = root;
        emit RootPublished(epoch_, root);
    }

    /**
     * @notice Pays `account` what the current root grants it beyond what it was already paid.
     * @return paid The amount transferred now (zero when everything was already claimed).
     */
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external returns (uint256 paid) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, merkleRoot, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) return 0;
        paid = cumulativeAmount - already;
        claimed[account] = cumulativeAmount;
        token.safeTransfer(account, paid);
        emit Claimed(account, epoch, paid, cumulativeAmount);
    }
}
