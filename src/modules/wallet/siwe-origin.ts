import { DashboardError } from '../../common/errors';
import { AppConfig } from '../../config';

/** The `domain` and `uri` of the Sign-In with Ethereum messages this service issues. */
export interface SiweOrigin {
  readonly domain: string;
  readonly uri: string;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * PUBLIC_URL names the site wallets sign for. Without it (development, tests on a random port) the
 * Host the challenge was requested on is used: a wallet then shows the user the host they are on.
 * Production deployments set PUBLIC_URL so that no header decides what users are asked to sign.
 */
export function siweOriginOf(config: AppConfig, requestHost: string | undefined, requestProtocol: string): SiweOrigin {
  if (config.publicUrl !== null) {
    const url = new URL(config.publicUrl);
    return { domain: url.host, uri: url.origin };
  }
  if (requestHost === undefined || !HOST.test(requestHost)) throw DashboardError.validation('The request has no usable Host header');
  return { domain: requestHost, uri: `${requestProtocol === 'https' ? 'https' : 'http'}://${requestHost}` };
}
