import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { registeredMetric } from '../modules/metrics/registered-metric';
import { talliedHistogram } from '../modules/metrics/tallied-histogram';

/**
 * Counts by (endpoint, type) in plain numbers, found through two maps: counting a message
 * allocates nothing (a prom-client child hashes its labels into a new string at every `inc`).
 * The counter copies the totals at each scrape.
 */
class MessageTally {
  private readonly byEndpoint = new Map<string, Map<string, { n: number }>>();

  add(endpoint: string, type: string): void {
    let byType = this.byEndpoint.get(endpoint);
    if (byType === undefined) {
      byType = new Map();
      this.byEndpoint.set(endpoint, byType);
    }
    const cell = byType.get(type);
    if (cell === undefined) byType.set(type, { n: 1 });
    else cell.n += 1;
  }

  publishTo(counter: Counter<'endpoint' | 'type'>): void {
    counter.reset();
    for (const [endpoint, byType] of this.byEndpoint) {
      for (const [type, cell] of byType) counter.inc({ endpoint, type }, cell.n);
    }
  }
}

/** One tally per counter and process, like the counter itself (tests start several apps in one process). */
const TALLIES = new Map<string, MessageTally>();

function messageCounter(name: string, help: string): MessageTally {
  let tally = TALLIES.get(name);
  if (tally === undefined) {
    const created = new MessageTally();
    tally = created;
    TALLIES.set(name, created);
    registeredMetric(name, () => new Counter({ name, help, labelNames: ['endpoint', 'type'], collect() { created.publishTo(this); } }));
  }
  return tally;
}

/**
 * Metrics of the realtime core and the accrual engine. Label children are bound once and cached,
 * and per-message counts are tallied without prom-client (above): a label lookup per message
 * would cost more than the message itself at high rates.
 */
@Injectable()
export class RealtimeMetrics {
  readonly connections = registeredMetric('dashboard_ws_connections', () =>
    new Gauge({ name: 'dashboard_ws_connections', help: 'Open WebSocket connections', labelNames: ['endpoint'] }),
  );
  private readonly connects = registeredMetric('dashboard_ws_connects_total', () =>
    new Counter({ name: 'dashboard_ws_connects_total', help: 'WebSocket connections accepted', labelNames: ['endpoint'] }),
  );
  private readonly received = messageCounter('dashboard_ws_messages_received_total', 'Client messages received');
  private readonly sent = messageCounter('dashboard_ws_messages_sent_total', 'Server messages sent');
  private readonly dropped = registeredMetric('dashboard_ws_messages_dropped_total', () =>
    new Counter({
      name: 'dashboard_ws_messages_dropped_total',
      help: 'Messages dropped: rate-limited client messages, coalesced (superseded) updates',
      labelNames: ['endpoint', 'type', 'reason'],
    }),
  );
  private readonly closes = registeredMetric('dashboard_ws_closes_total', () =>
    new Counter({ name: 'dashboard_ws_closes_total', help: 'WebSocket closes by code', labelNames: ['endpoint', 'code'] }),
  );
  private readonly refusals = registeredMetric('dashboard_ws_refused_total', () =>
    new Counter({
      name: 'dashboard_ws_refused_total',
      help: 'WebSocket upgrades refused before the handshake (HTTP 503 at WS_MAX_CONNECTIONS)',
      labelNames: ['endpoint', 'reason'],
    }),
  );
  readonly flushDuration = registeredMetric('dashboard_accrual_flush_duration_seconds', () =>
    new Histogram({
      name: 'dashboard_accrual_flush_duration_seconds',
      help: 'Time to write one accrual flush to the ledger',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
  );
  readonly flushRows = registeredMetric('dashboard_accrual_flush_rows', () =>
    new Histogram({
      name: 'dashboard_accrual_flush_rows',
      help: 'Node accruals written per flush',
      buckets: [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
    }),
  );
  readonly flushFailures = registeredMetric('dashboard_accrual_flush_failures_total', () =>
    new Counter({ name: 'dashboard_accrual_flush_failures_total', help: 'Accrual flushes that failed and will be retried' }),
  );
  readonly bufferSize = registeredMetric('dashboard_accrual_buffer_size', () =>
    new Gauge({ name: 'dashboard_accrual_buffer_size', help: 'Node accruals buffered, not yet written' }),
  );
  /** With the interval below, what the "flush lagging" alert compares: set when a pass leaves nothing behind. */
  readonly lastFlushSuccess = registeredMetric('dashboard_accrual_last_flush_success_timestamp_seconds', () =>
    new Gauge({
      name: 'dashboard_accrual_last_flush_success_timestamp_seconds',
      help: 'When a flush pass last wrote everything it took (or found nothing to write), Unix seconds',
    }),
  );
  readonly flushInterval = registeredMetric('dashboard_accrual_flush_interval_seconds', () =>
    new Gauge({ name: 'dashboard_accrual_flush_interval_seconds', help: 'EARNINGS_FLUSH_MS of this instance, in seconds' }),
  );
  /** WebSocket ping → pong of node sockets: the server's view of a node's heartbeat latency (one per pong: tallied). */
  readonly nodeRtt = talliedHistogram('dashboard_node_rtt_seconds', 'Round-trip time of node sockets (WebSocket ping to pong)', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  /** Time between two Heartbeats of a node: on time is HEARTBEAT_INTERVAL_MS; longer ones earn less (one per heartbeat: tallied). */
  readonly heartbeatGap = talliedHistogram('dashboard_node_heartbeat_interval_seconds', 'Time between consecutive Heartbeats of a node socket', [
    0.1, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300,
  ]);

  private readonly children = new Map<string, { inc(value?: number): void }>();
  private readonly openGauges = new Map<string, { inc(): void; dec(): void }>();

  opened(endpoint: string): void {
    this.openGauge(endpoint).inc();
    this.child(this.connects, 'o', endpoint).inc();
  }

  /** The socket counted by opened() has closed. */
  socketClosed(endpoint: string): void {
    this.openGauge(endpoint).dec();
  }

  private openGauge(endpoint: string): { inc(): void; dec(): void } {
    let child = this.openGauges.get(endpoint);
    if (child === undefined) {
      child = this.connections.labels(endpoint);
      this.openGauges.set(endpoint, child);
    }
    return child;
  }

  messageReceived(endpoint: string, type: string): void {
    this.received.add(endpoint, type);
  }

  messageSent(endpoint: string, type: string): void {
    this.sent.add(endpoint, type);
  }

  messageDropped(endpoint: string, type: string, reason: 'rate_limited' | 'coalesced' | 'queue_full'): void {
    this.child(this.dropped, `d${reason}`, endpoint, type, reason).inc();
  }

  closed(endpoint: string, code: number): void {
    this.child(this.closes, 'c', endpoint, String(code)).inc();
  }

  refused(endpoint: string, reason: 'capacity'): void {
    this.child(this.refusals, 'x', endpoint, reason).inc();
  }

  private child(counter: Counter<string>, kind: string, ...labels: string[]): { inc(value?: number): void } {
    const key = `${kind}|${labels.join('|')}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = counter.labels(...labels);
      this.children.set(key, child);
    }
    return child;
  }
}
