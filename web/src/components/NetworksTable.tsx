import type { NetworkConnection } from '../api/types';
import { formatInt, formatPoints, formatScore, formatUptime, toNumber } from '../format';

function byStatusThenDevice(a: NetworkConnection, b: NetworkConnection): number {
  if (a.connected !== b.connected) return a.connected ? -1 : 1;
  return a.device_id.localeCompare(b.device_id);
}

export function NetworksTable({ networks }: { networks: NetworkConnection[] | null }) {
  const online = networks?.filter((n) => n.connected).length ?? 0;
  const rows = networks ? [...networks].sort(byStatusThenDevice) : [];
  return (
    <section class="card" aria-labelledby="nodes-heading">
      <div class="card-head">
        <h2 id="nodes-heading">Nodes</h2>
        {networks && networks.length > 0 && (
          <span class="muted small" data-testid="networks-summary">
            {formatInt(networks.length)} {networks.length === 1 ? 'node' : 'nodes'} · {formatInt(online)} online
          </span>
        )}
      </div>
      {networks === null ? (
        <p class="muted" aria-busy="true">
          Loading nodes…
        </p>
      ) : networks.length === 0 ? (
        <div class="empty" data-testid="networks-empty">
          <p>
            <strong>No nodes yet</strong> — run the node app on a machine you want to earn with and sign in with this
            account. It appears here as soon as it connects.
          </p>
        </div>
      ) : (
        <div class="table-scroll">
          <table class="table table-stack" data-testid="networks-table">
            <caption class="sr-only">Your nodes, online first</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Network</th>
                <th scope="col">IP address</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Uptime
                </th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col" class="num">
                  Points
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((n) => (
                <tr key={n.id} data-testid="network-row" data-device-id={n.device_id} data-connected={String(n.connected)}>
                  <td data-label="Device" class="mono" data-testid="node-device-id">
                    {n.device_id}
                  </td>
                  <td data-label="Network" data-testid="node-network-name">
                    {n.network_name}
                  </td>
                  <td data-label="IP address" class="mono" data-testid="node-ip">
                    {n.ip_address ?? '—'}
                  </td>
                  <td data-label="Status">
                    <span class={`badge ${n.connected ? 'badge-online' : 'badge-offline'}`} data-testid="node-status">
                      {n.connected ? 'online' : 'offline'}
                    </span>
                  </td>
                  <td
                    data-label="Uptime"
                    class="num"
                    data-testid="node-uptime"
                    data-value={String(n.connection_time)}
                    title={`${formatInt(n.connection_time)} seconds`}
                  >
                    {formatUptime(n.connection_time)}
                  </td>
                  <td data-label="Score" class="num" data-testid="node-score" data-value={String(n.network_score)}>
                    <span class="score">
                      <span class="score-bar" aria-hidden="true">
                        <span style={{ width: `${Math.round(Math.min(1, Math.max(0, toNumber(n.network_score))) * 100)}%` }} />
                      </span>
                      {formatScore(n.network_score)}
                    </span>
                  </td>
                  <td data-label="Points" class="num" data-testid="node-points" data-value={String(n.points_earned)}>
                    {formatPoints(n.points_earned)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
