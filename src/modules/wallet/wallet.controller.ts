import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Hex } from 'viem';
import { DashboardErrorType } from '../../common/errors';
import { AppConfig } from '../../config';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { UserResponse } from '../user/dto/user.response';
import { UserJson } from '../user/user.mapper';
import { UserService } from '../user/user.service';
import { LinkWalletDto } from './dto/link-wallet.dto';
import { WalletChallengeDto } from './dto/wallet-challenge.dto';
import { WalletChallengeResponse } from './dto/wallet-challenge.response';
import { siweOriginOf } from './siwe-origin';
import { WalletChallengeJson } from './wallet.mapper';
import { WalletService } from './wallet.service';

@ApiTags('user')
@ApiBearerAuth()
@Controller('api/user/wallet')
export class WalletController {
  constructor(
    private readonly wallets: WalletService,
    private readonly users: UserService,
    private readonly config: AppConfig,
  ) {}

  @Post('challenge')
  @HttpCode(200)
  @ApiOperation({ summary: 'A Sign-In with Ethereum message that proves the wallet when signed (single use, 10 minutes)' })
  @ApiOkResponse({ type: WalletChallengeResponse, description: 'The message to sign' })
  @ApiErrors(400, 401)
  challenge(@CurrentUser() auth: AuthUser, @Body() dto: WalletChallengeDto, @Req() request: FastifyRequest): Promise<WalletChallengeJson> {
    return this.wallets.challenge(auth, dto.address, siweOriginOf(this.config, request.headers.host, request.protocol));
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Links the payout wallet that signed a challenge' })
  @ApiOkResponse({ type: UserResponse, description: 'The caller with the wallet linked' })
  @ApiErrors(400, 401, {
    status: 409,
    errors: [DashboardErrorType.Conflict],
    when: 'the wallet is linked to another account',
  })
  async link(@CurrentUser() auth: AuthUser, @Body() dto: LinkWalletDto): Promise<UserJson> {
    await this.wallets.link(auth, dto.message, dto.signature as Hex);
    return this.users.getMe(auth);
  }
}
