import type { ClientEventName, ClientEventProperties } from '@billrail/contracts';
import { useEffect, useRef } from 'react';
import { api } from '../shared/api.ts';

/**
 * Records a behaviour event that only the browser sees (seed 002 section 12; the names and their
 * properties are CLIENT_EVENTS in @billrail/contracts) through POST /v1/analytics/events.
 *
 * Fire and forget: nothing waits for it and nothing about it reaches the page. A failed post
 * (offline, rate limited, a session that just ended) is dropped, and since it bypasses TanStack
 * Query it never signs anyone out either. The endpoint takes signed-in people only, with the
 * session's CSRF token, which api() adds; so it is called from signed-in pages only.
 */
export function track<N extends ClientEventName>(name: N, properties: ClientEventProperties<N>): void {
  api('/v1/analytics/events', { method: 'POST', body: { name, properties } }).catch(() => undefined);
}

/**
 * track() once per mount of the page, as soon as `properties` is not null (what it reports has
 * loaded). A refetch, a re-render or React's development double effect does not send it again.
 */
export function useTrackOnce<N extends ClientEventName>(
  name: N,
  properties: ClientEventProperties<N> | null,
) {
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current || properties === null) return;
    sent.current = true;
    track(name, properties);
  });
}
