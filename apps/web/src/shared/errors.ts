import type { TFunction } from 'i18next';
import { ApiError } from './api.ts';

/**
 * Puts an API problem into the reader's language. The API's `code` is stable, so the codes this
 * app knows get translated sentences; a code it does not know yet falls back to the server's own
 * `detail`, which is always a readable English sentence.
 */
export function problemMessage(err: unknown, t: TFunction): string {
  if (!(err instanceof ApiError)) return t('errors.server');
  switch (err.code) {
    case 'invalid_credentials':
      return t('errors.invalid_credentials');
    case 'account_locked': {
      const minutes = err.retryAfter
        ? Math.ceil(err.retryAfter / 60)
        : Number(/(\d+) more minute/.exec(err.detail)?.[1] ?? Number.NaN);
      return Number.isFinite(minutes) ? t('errors.account_locked', { count: minutes }) : err.detail;
    }
    case 'rate_limited':
      return t('errors.rate_limited');
    case 'network_error':
      return t('errors.network_error');
    case 'session_expired':
      return t('errors.session_expired');
    case 'forbidden':
      return t('errors.forbidden');
    case 'validation_failed':
      return t('errors.validation_failed');
  }
  if (err.status >= 500 || err.code === 'http_error') return t('errors.server');
  return err.detail;
}

/** One field's reason from the API (`must be at least 10 characters`), in the reader's language. */
export function fieldMessage(field: string, reason: string, t: TFunction): string {
  const min = /at least (\d+) characters/.exec(reason);
  if (min) return t('errors.field.minLength', { count: Number(min[1]) });
  if (/is not correct/.test(reason) && field.includes('password')) return t('errors.field.passwordIncorrect');
  if (field === 'phone') return t('errors.field.phone');
  if (field === 'email') return t('errors.field.email');
  if (/expected string, received undefined|required/i.test(reason)) return t('errors.field.required');
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

/** Field name to translated message, for the fields of a validation_failed problem. */
export function fieldErrors(err: unknown, t: TFunction): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.errors) out[e.field] ??= fieldMessage(e.field, e.reason, t);
  return out;
}

/**
 * The message for the red alert above a form: nothing when every problem is already shown under
 * its own field, so the same words never appear twice.
 */
export function formAlert(err: unknown, fields: readonly string[], t: TFunction): string | null {
  if (!err) return null;
  if (err instanceof ApiError && err.code === 'validation_failed' && err.errors.length > 0) {
    if (err.errors.every((e) => fields.includes(e.field))) return null;
  }
  return problemMessage(err, t);
}
