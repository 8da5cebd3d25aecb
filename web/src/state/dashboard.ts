import { earningsApi, networksApi, referralsApi, userApi } from '../api/client';
import { settlementUpdated } from './payouts';
import { ApiError, errorMessage } from '../api/http';
import type {
  Bucket,
  EarningsData,
  NetworkConnection,
  Referral,
  ReferralData,
  ServerFrame,
  Timeseries,
  User,
} from '../api/types';
import { LiveSocket, type LiveState } from '../live/socket';
import { applyNetworkUpdate } from './network-delta';
import { onNotification, onUnread, resetNotifications } from './notifications';
import { createStore, throttle } from './store';

/** Minimum spacing of chart re-fetches triggered by EarningsUpdate frames (ms). */
const CHART_REFETCH_MS = 5_000;
/** Minimum spacing of referee-list re-fetches triggered by ReferralUpdate frames (ms). */
const REFEREES_REFETCH_MS = 2_000;
const REFEREES_PAGE = 50;

export interface DashboardState {
  user: User | null;
  earnings: EarningsData | null;
  networks: NetworkConnection[] | null;
  referrals: ReferralData | null;
  referees: { items: Referral[] | null; nextCursor: string | null; loadingMore: boolean; error: string | null };
  series: { bucket: Bucket; data: Timeseries | null; loading: boolean; error: string | null };
  live: LiveState;
  /** The latest WebSocket Error / Disconnect message. */
  notice: string | null;
  /** A failure of the initial load, shown with a retry button. */
  loadError: string | null;
}

const initial = (): DashboardState => ({
  user: null,
  earnings: null,
  networks: null,
  referrals: null,
  referees: { items: null, nextCursor: null, loadingMore: false, error: null },
  series: { bucket: 'hour', data: null, loading: false, error: null },
  live: { status: 'idle' },
  notice: null,
  loadError: null,
});

export const dashboard = createStore<DashboardState>(initial());

let socket: LiveSocket | null = null;
/** Bumped on every start/stop so late responses of a previous session are dropped. */
let generation = 0;
/**
 * Parts of the state a WebSocket frame has set in this session. Frames are always the newest
 * state (the snapshot after Connected, then pushes), so a slower REST answer to the initial load
 * must not overwrite them with what the server saw before.
 */
type LivePart = 'earnings' | 'networks' | 'referrals';
let fromLive = new Set<LivePart>();

function fromRest<K extends LivePart>(gen: number, key: K): (value: DashboardState[K]) => void {
  return guard(gen, (value: DashboardState[K]) => {
    if (!fromLive.has(key)) dashboard.set({ [key]: value } as Pick<DashboardState, K>);
  });
}

function guard<T>(gen: number, fn: (value: T) => void): (value: T) => void {
  return (value) => {
    if (gen === generation) fn(value);
  };
}

/** The window a bucket size shows: the last 24 hours, or the last 30 days. */
function rangeFor(bucket: Bucket): { from: string; to: string } {
  const now = new Date();
  const from = new Date(now);
  if (bucket === 'hour') {
    from.setUTCMinutes(0, 0, 0);
    from.setUTCHours(from.getUTCHours() - 23);
  } else {
    from.setUTCHours(0, 0, 0, 0);
    from.setUTCDate(from.getUTCDate() - 29);
  }
  return { from: from.toISOString(), to: now.toISOString() };
}

export function loadSeries(bucket = dashboard.get().series.bucket): void {
  const gen = generation;
  dashboard.set((s) => ({ series: { ...s.series, bucket, loading: true, error: null, data: bucket === s.series.bucket ? s.series.data : null } }));
  const { from, to } = rangeFor(bucket);
  earningsApi.timeseries(bucket, from, to).then(
    guard(gen, (data: Timeseries) => {
      if (dashboard.get().series.bucket !== bucket) return;
      dashboard.set({ series: { bucket, data, loading: false, error: null } });
    }),
    guard(gen, (err: unknown) => {
      if (dashboard.get().series.bucket !== bucket) return;
      dashboard.set((s) => ({ series: { ...s.series, loading: false, error: errorMessage(err) } }));
    }),
  );
}

export function loadReferees(more = false): void {
  const gen = generation;
  const cursor = more ? dashboard.get().referees.nextCursor : null;
  if (more) dashboard.set((s) => ({ referees: { ...s.referees, loadingMore: true } }));
  referralsApi.list({ limit: REFEREES_PAGE, cursor }).then(
    guard(gen, (page) => {
      dashboard.set((s) => ({
        referees: {
          items: more ? [...(s.referees.items ?? []), ...page.items] : page.items,
          nextCursor: page.next_cursor ?? null,
          loadingMore: false,
          error: null,
        },
      }));
    }),
    guard(gen, (err: unknown) => {
      dashboard.set((s) => ({ referees: { ...s.referees, loadingMore: false, error: errorMessage(err) } }));
    }),
  );
}

const refetchChart = throttle(() => loadSeries(), CHART_REFETCH_MS);
const refetchReferees = throttle(() => loadReferees(), REFEREES_REFETCH_MS);

/** REST snapshot of everything; the WebSocket snapshot after Connected then keeps it current. */
export function loadAll(): void {
  const gen = generation;
  dashboard.set({ loadError: null });
  Promise.all([
    userApi.me().then(guard(gen, (user) => dashboard.set({ user }))),
    earningsApi.summary().then(fromRest(gen, 'earnings')),
    networksApi.list().then((res) => fromRest(gen, 'networks')(res.items)),
    referralsApi.summary().then(fromRest(gen, 'referrals')),
  ]).catch(
    guard(gen, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return; // the session listener signs out
      dashboard.set({ loadError: errorMessage(err) });
    }),
  );
  loadReferees();
  loadSeries();
}

function onFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case 'NetworkUpdate':
      fromLive.add('networks');
      // The snapshot is the full list; later frames are deltas merged into it.
      dashboard.set((s) => ({ networks: applyNetworkUpdate(s.networks, frame.payload) }));
      break;
    case 'EarningsUpdate':
      fromLive.add('earnings');
      dashboard.set({ earnings: frame.payload.earnings });
      refetchChart();
      break;
    case 'ReferralUpdate':
      fromLive.add('referrals');
      dashboard.set({ referrals: frame.payload.referrals });
      refetchReferees();
      break;
    case 'NotificationUpdate':
      onUnread(frame.payload.unread);
      break;
    case 'Notification':
      onNotification(frame.payload.notification);
      break;
    case 'SettlementUpdate':
      settlementUpdated(frame.payload.epoch);
      break;
    case 'Connected':
      dashboard.set({ notice: null });
      break;
    case 'NodeUpdate': // role node only; this page is a viewer
    case 'Heartbeat':
    case 'Error':
    case 'Disconnect':
      break;
  }
}

/** Whether the signed-in user may use the admin page (their User JSON says): null until it is known. */
export function isAdmin(state: DashboardState): boolean | null {
  return state.user === null ? null : state.user.role === 'admin';
}

export function startDashboard(): void {
  generation += 1;
  fromLive = new Set();
  dashboard.set(initial());
  resetNotifications();
  loadAll();
  socket = new LiveSocket({
    frame: onFrame,
    state: (live) => dashboard.set({ live }),
    notice: (notice) => dashboard.set({ notice }),
  });
  socket.start();
}

export function stopDashboard(): void {
  generation += 1;
  socket?.stop();
  socket = null;
  refetchChart.cancel();
  refetchReferees.cancel();
  dashboard.set(initial());
  resetNotifications();
}

export function reconnectLive(): void {
  socket?.reconnectNow();
}

export function setUser(user: User): void {
  dashboard.set({ user });
}
