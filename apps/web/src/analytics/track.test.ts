import { afterEach, describe, expect, it, vi } from 'vitest';
import { track } from './track.ts';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('track', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('posts the event and its properties to the analytics endpoint', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) =>
      json(202, { id: 'ane_1', name: 'Bill Pay Viewed' }),
    );
    vi.stubGlobal('fetch', fetch);
    track('Bill Pay Viewed', { items_shown: 3 });
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledOnce());
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/v1/analytics/events');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({
      name: 'Bill Pay Viewed',
      properties: { items_shown: 3 },
    });
  });

  // Vitest fails the run on an unhandled rejection, so each of these would show up if it escaped.
  it('drops a failed post without throwing: no network, signed out, rate limited', async () => {
    const answers = [
      () => Promise.reject(new TypeError('Failed to fetch')),
      async () => json(401, { status: 401, code: 'session_expired', title: 'Signed out', detail: '' }),
      async () => new Response('Too Many Requests', { status: 429 }),
    ];
    for (const answer of answers) {
      const fetch = vi.fn(answer);
      vi.stubGlobal('fetch', fetch);
      expect(() => track('Payment Method Selected', { gateway_name: 'sandbox' })).not.toThrow();
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledOnce());
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
