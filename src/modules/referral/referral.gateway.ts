import { WebSocketGateway } from '@nestjs/websockets';
import { REFERRALS_ENDPOINT } from '../../realtime/endpoint';
import { EndpointGateway } from '../../realtime/endpoint.gateway';

/** /ws/referrals: viewers receiving ReferralUpdate only. */
@WebSocketGateway({ path: REFERRALS_ENDPOINT.path })
export class ReferralGateway extends EndpointGateway {
  protected readonly endpoint = REFERRALS_ENDPOINT;
}
