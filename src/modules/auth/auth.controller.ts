import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientIpOf } from '../../common/http/client-ip';
import { AuthService, ClientContext } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenResponse } from './dto/token-response';
import { Public } from './guards/public.decorator';

@ApiTags('auth')
@Public()
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account (optionally with a referral code) and log in' })
  register(@Body() dto: RegisterDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.register(dto, clientOf(request));
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in with email and password' })
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.login(dto, clientOf(request));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair (rotation; reuse revokes the session)' })
  refresh(@Body() dto: RefreshTokenDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.refresh(dto.refresh_token, clientOf(request));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: "End the refresh token's session" })
  async logout(@Body() dto: RefreshTokenDto): Promise<void> {
    await this.auth.logout(dto.refresh_token);
  }
}

function clientOf(request: FastifyRequest): ClientContext {
  return { ip: clientIpOf(request), userAgent: request.headers['user-agent'] };
}
