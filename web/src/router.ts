import { useEffect, useState } from 'preact/hooks';

/** Hash routes, so any static server (and a reload on any view) works without server-side routing. */
export type Route = 'login' | 'register' | 'dashboard' | 'admin' | 'notifications';

const ROUTES: Record<string, Route> = {
  '#/login': 'login',
  '#/register': 'register',
  '#/admin': 'admin',
  '#/notifications': 'notifications',
  '#/': 'dashboard',
  '': 'dashboard',
  '#': 'dashboard',
};

export function currentRoute(): Route {
  return ROUTES[location.hash] ?? 'dashboard';
}

export function navigate(route: Route): void {
  const hash = route === 'dashboard' ? '#/' : `#/${route}`;
  if (location.hash !== hash) location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

const REF_KEY = 'dashboard.referral_code';

/**
 * A `?ref=CODE` landing: remember the code for the register form (across login ↔ register
 * switches) and drop it from the address bar. Returns true when the URL carried one.
 */
export function captureReferralCode(): boolean {
  const params = new URLSearchParams(location.search);
  const code = params.get('ref');
  if (!code) return false;
  sessionStorage.setItem(REF_KEY, code.trim());
  params.delete('ref');
  const search = params.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  return true;
}

export function rememberedReferralCode(): string {
  return sessionStorage.getItem(REF_KEY) ?? '';
}

export function forgetReferralCode(): void {
  sessionStorage.removeItem(REF_KEY);
}
