import { WebSocketGateway } from '@nestjs/websockets';
import { DASHBOARD_ENDPOINT } from '../../realtime/endpoint';
import { EndpointGateway } from '../../realtime/endpoint.gateway';

/** /ws/dashboard: nodes (role node, they earn) and full dashboards (role viewer). */
@WebSocketGateway({ path: DASHBOARD_ENDPOINT.path })
export class DashboardGateway extends EndpointGateway {
  protected readonly endpoint = DASHBOARD_ENDPOINT;
}
