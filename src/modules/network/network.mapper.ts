import { numericToJson } from '../../common/points';
import { NetworkConnectionEntity } from './entities/network-connection.entity';
import { NetworkSummaryRow } from './network.repository';

/** NetworkConnection JSON of API.md. */
export interface NetworkConnectionJson {
  id: number;
  user_id: number;
  device_id: string;
  network_name: string;
  ip_address: string | null;
  connected: boolean;
  connection_time: number;
  network_score: number;
  points_earned: number;
  created_at: string;
  updated_at: string;
}

export interface NetworkSummaryJson {
  total: number;
  connected: number;
  connection_time: number;
  average_score: number;
  points_earned: number;
}

export function toNetworkJson(node: NetworkConnectionEntity): NetworkConnectionJson {
  return {
    id: node.id,
    user_id: node.userId,
    device_id: node.deviceId,
    network_name: node.networkName,
    ip_address: node.ipAddress,
    connected: node.connected,
    connection_time: Number(node.connectionTime),
    network_score: roundScore(node.networkScore),
    points_earned: numericToJson(node.pointsEarned),
    created_at: node.createdAt.toISOString(),
    updated_at: node.updatedAt.toISOString(),
  };
}

export function toNetworkSummary(row: NetworkSummaryRow): NetworkSummaryJson {
  return {
    total: row.total,
    connected: row.connected,
    connection_time: Number(row.connection_time),
    average_score: roundScore(row.average_score),
    points_earned: numericToJson(row.points_earned),
  };
}

function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
