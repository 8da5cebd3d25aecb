import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../../config';
import { DashboardError } from '../../../common/errors';
import { AuthUser } from '../auth-user';
import { SessionValidator } from '../session-validator.service';
import { isAccessTokenClaims, JWT_ALGORITHM, jwtSecretKey } from '../token.service';

/** passport-jwt: bearer token, HS256 only, signature and expiry checked, then the session. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly sessions: SessionValidator,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: see jwtSecretKey.
      secretOrKey: jwtSecretKey(config) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Promise<AuthUser> {
    if (!isAccessTokenClaims(payload)) throw DashboardError.unauthorized('Invalid access token');
    return this.sessions.authenticate(payload);
  }
}
