import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config';
import { DashboardError } from '../../common/errors';
import { RateLimitStore } from '../../infra/rate-limit/rate-limit-store';

const MINUTE_MS = 60_000;
/** API.md: failed logins are counted per email within 15 minutes. */
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Brute-force protection for the auth routes, on the shared rate-limit store (Redis when
 * configured, so the limits hold across instances).
 */
@Injectable()
export class AuthThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  /** Counts one auth request from `ip`; past AUTH_REQUESTS_PER_MINUTE → 429. */
  async countRequest(ip: string): Promise<void> {
    const state = await this.store.hit(`auth-ip:${ip}`, MINUTE_MS);
    if (state.count > this.config.auth.requestsPerMinute) {
      throw DashboardError.rateLimited(state.resetInMs / 1000, 'Too many authentication requests; slow down');
    }
  }

  /** After LOGIN_FAILURES_PER_EMAIL failures within 15 minutes, logins for that email wait. */
  async assertLoginAllowed(email: string): Promise<void> {
    const state = await this.store.peek(loginKey(email));
    if (state.count >= this.config.auth.loginFailuresPerEmail) {
      throw DashboardError.rateLimited(state.resetInMs / 1000, 'Too many failed logins for this account; try later');
    }
  }

  async recordLoginFailure(email: string): Promise<void> {
    await this.store.hit(loginKey(email), LOGIN_FAILURE_WINDOW_MS);
  }

  async clearLoginFailures(email: string): Promise<void> {
    await this.store.reset(loginKey(email));
  }
}

function loginKey(email: string): string {
  return `login-fail:${email.toLowerCase()}`;
}
