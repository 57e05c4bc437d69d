import type { SessionView, UserView } from '@billrail/contracts';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { ApiError, api, isSignedOutError, setCsrfToken } from './api.ts';

/** Why there is no session: the API's 401 codes, or the person signed out here. */
export type SignedOutReason = 'session_expired' | 'authentication_required' | 'signed_out';

export type SessionState =
  | { status: 'signed_in'; session: SessionView }
  | { status: 'signed_out'; reason: SignedOutReason };

export const sessionKey = ['session'] as const;

const LAST_TENANT_KEY = 'billrail.tenant';

/** The organisation last signed in to on this browser, to pre-fill the next sign-in. */
export function lastTenant(): string | null {
  try {
    return localStorage.getItem(LAST_TENANT_KEY);
  } catch {
    return null;
  }
}

function rememberTenant(slug: string) {
  try {
    localStorage.setItem(LAST_TENANT_KEY, slug);
  } catch {
    // Storage disabled: the field just starts from the default next time.
  }
}

/**
 * The server clears the cookie when it answers session_expired, so a request that was still on
 * its way comes back authentication_required. The first answer is the true one: keep saying the
 * session expired.
 */
function signedOutReason(client: QueryClient, reason: SignedOutReason): SignedOutReason {
  const prev = client.getQueryData<SessionState>(sessionKey);
  const expired = prev?.status === 'signed_out' && prev.reason === 'session_expired';
  return expired && reason === 'authentication_required' ? 'session_expired' : reason;
}

async function fetchSession(client: QueryClient): Promise<SessionState> {
  try {
    const session = await api<SessionView>('/v1/auth/session');
    setCsrfToken(session.csrf_token);
    return { status: 'signed_in', session };
  } catch (err) {
    if (isSignedOutError(err)) {
      setCsrfToken(null);
      return { status: 'signed_out', reason: signedOutReason(client, err.code as SignedOutReason) };
    }
    throw err;
  }
}

/** The session as the server sees it; restored from the cookie on page load. */
export function useSessionState() {
  const client = useQueryClient();
  return useQuery({ queryKey: sessionKey, queryFn: () => fetchSession(client), staleTime: 60_000 });
}

/**
 * The signed-in session as the /app layout last saw it. The layout provides it, so pages under it
 * always have one, even during the render in which the layout learns it has ended and redirects.
 */
export const SessionContext = createContext<SessionView | null>(null);

export function useSession(): SessionView {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside the /app layout');
  return session;
}

/** Marks the browser signed out; the /app layout then sends the person to /signin. */
export function markSignedOut(client: QueryClient, why: SignedOutReason) {
  setCsrfToken(null);
  const reason = signedOutReason(client, why);
  const current = client.getQueryData<SessionState>(sessionKey);
  if (current?.status === 'signed_out' && current.reason === reason) return;
  const next: SessionState = { status: 'signed_out', reason };
  client.setQueryData(sessionKey, next);
  // Everything cached belonged to the previous session. Dropped once the redirect has unmounted
  // the pages using it, so none of them fetches it again on the way out.
  setTimeout(() => client.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] }), 0);
}

export interface SignInInput {
  tenant: string;
  email: string;
  password: string;
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SignInInput) => api<SessionView>('/v1/auth/login', { method: 'POST', body: input }),
    onSuccess: (session, input) => {
      setCsrfToken(session.csrf_token);
      rememberTenant(input.tenant);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
      const next: SessionState = { status: 'signed_in', session };
      client.setQueryData(sessionKey, next);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await api<void>('/v1/auth/logout', { method: 'POST' });
      } catch (err) {
        // Already signed out on the server (expired, revoked): the outcome the person wanted.
        if (!(err instanceof ApiError && err.status === 401)) throw err;
      }
    },
    onSuccess: () => markSignedOut(client, 'signed_out'),
  });
}

/** Replaces the user inside the cached session after a profile change. */
export function updateSessionUser(client: QueryClient, user: UserView) {
  client.setQueryData<SessionState>(sessionKey, (prev) =>
    prev?.status === 'signed_in' ? { status: 'signed_in', session: { ...prev.session, user } } : prev,
  );
}
