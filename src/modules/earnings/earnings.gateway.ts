import { WebSocketGateway } from '@nestjs/websockets';
import { EARNINGS_ENDPOINT } from '../../realtime/endpoint';
import { EndpointGateway } from '../../realtime/endpoint.gateway';

/** /ws/earnings: viewers receiving EarningsUpdate only. */
@WebSocketGateway({ path: EARNINGS_ENDPOINT.path })
export class EarningsGateway extends EndpointGateway {
  protected readonly endpoint = EARNINGS_ENDPOINT;
}
