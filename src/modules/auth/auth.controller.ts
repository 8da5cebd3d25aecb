import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DashboardErrorType } from '../../common/errors';
import { clientIpOf } from '../../common/http/client-ip';
import { ApiErrors } from '../../openapi';
import { AuthService, ClientContext } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenResponse } from './dto/token-response';
import { TokenPairResponse } from './dto/token.response';
import { Public } from './guards/public.decorator';

@ApiTags('auth')
@Public()
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account (optionally with a referral code) and log in' })
  @ApiCreatedResponse({ type: TokenPairResponse, description: 'Registered and logged in' })
  @ApiErrors(
    {
      status: 400,
      errors: [DashboardErrorType.ValidationError],
      when: 'invalid email, username or password, unknown fields, or an unknown `referral_code`',
    },
    409,
    429,
  )
  register(@Body() dto: RegisterDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.register(dto, clientOf(request));
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in with email and password' })
  @ApiOkResponse({ type: TokenPairResponse, description: 'Logged in' })
  @ApiErrors(
    400,
    {
      status: 401,
      errors: [DashboardErrorType.InvalidCredentials, DashboardErrorType.Unauthorized],
      when: 'wrong email or password, the same answer whether or not the email exists (InvalidCredentials); account disabled (Unauthorized)',
    },
    {
      status: 429,
      errors: [DashboardErrorType.RateLimited],
      when: 'more than LOGIN_FAILURES_PER_EMAIL failed logins for the email within 15 minutes, or more than AUTH_REQUESTS_PER_MINUTE auth requests from the client IP within a minute; retry after `Retry-After` seconds',
    },
  )
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.login(dto, clientOf(request));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair (rotation; reuse revokes the session)' })
  @ApiOkResponse({ type: TokenPairResponse, description: 'A new token pair; the presented refresh token stops working' })
  @ApiErrors(
    400,
    {
      status: 401,
      errors: [DashboardErrorType.Unauthorized, DashboardErrorType.SessionExpired],
      when: 'unknown refresh token (Unauthorized); already rotated (the whole session is revoked), revoked or expired session, or disabled account (SessionExpired): log in again',
    },
    429,
  )
  refresh(@Body() dto: RefreshTokenDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.refresh(dto.refresh_token, clientOf(request));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: "End the refresh token's session" })
  @ApiNoContentResponse({ description: 'The session has ended (an unknown token is ignored: logout is idempotent)' })
  @ApiErrors(400)
  async logout(@Body() dto: RefreshTokenDto): Promise<void> {
    await this.auth.logout(dto.refresh_token);
  }
}

function clientOf(request: FastifyRequest): ClientContext {
  return { ip: clientIpOf(request), userAgent: request.headers['user-agent'] };
}
