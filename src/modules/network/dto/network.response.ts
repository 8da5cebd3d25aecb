import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiCount, ApiId, ApiPoints, ApiTimestamp, OnlyKeysOf } from '../../../openapi';
import { NetworkConnectionJson, NetworkSummaryJson } from '../network.mapper';

/** NetworkConnection JSON of API.md (documentation only; `toNetworkJson` builds the real body). */
@ApiSchema({ name: 'NetworkConnection', description: 'One node (device) of the caller' })
export class NetworkConnectionResponse
  implements NetworkConnectionJson, OnlyKeysOf<NetworkConnectionJson, NetworkConnectionResponse>
{
  @ApiId()
  id!: number;

  @ApiId('The owner', 7)
  user_id!: number;

  @ApiProperty({ pattern: '^[A-Za-z0-9._:-]{1,64}$', example: 'rpi-kitchen-01' })
  device_id!: string;

  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Home node', description: 'Default: the device_id' })
  network_name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '203.0.113.7',
    description: 'Address the node last connected from (X-Forwarded-For only from trusted proxies)',
  })
  ip_address!: string | null;

  @ApiProperty({ description: 'A node session is live' })
  connected!: boolean;

  @ApiProperty({ type: 'number', minimum: 0, example: 3600.5, description: 'Seconds of verified uptime' })
  connection_time!: number;

  @ApiProperty({
    type: 'number',
    minimum: 0,
    maximum: 1,
    example: 0.97,
    description: 'Heartbeat regularity and round-trip time; a healthy node on time scores at least 0.9',
  })
  network_score!: number;

  @ApiPoints('Lifetime Network points of this node')
  points_earned!: number;

  @ApiTimestamp()
  created_at!: string;

  @ApiTimestamp()
  updated_at!: string;
}

/** What `NetworkController.list` returns. */
type NetworkConnectionListJson = { items: NetworkConnectionJson[] };

@ApiSchema({ name: 'NetworkConnectionList', description: "All of the caller's nodes (not paged)" })
export class NetworkConnectionListResponse
  implements NetworkConnectionListJson, OnlyKeysOf<NetworkConnectionListJson, NetworkConnectionListResponse>
{
  @ApiProperty({ type: [NetworkConnectionResponse] })
  items!: NetworkConnectionResponse[];
}

@ApiSchema({ name: 'NetworkSummary', description: "Totals over the caller's nodes" })
export class NetworkSummaryResponse implements NetworkSummaryJson, OnlyKeysOf<NetworkSummaryJson, NetworkSummaryResponse> {
  @ApiCount('Number of nodes')
  total!: number;

  @ApiCount('Nodes with a live session', 1)
  connected!: number;

  @ApiProperty({ type: 'number', minimum: 0, example: 86400, description: 'Seconds of verified uptime, all nodes' })
  connection_time!: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, example: 0.95, description: 'Mean network_score (0 without nodes)' })
  average_score!: number;

  @ApiPoints('Lifetime Network points of all nodes', 1440)
  points_earned!: number;
}
