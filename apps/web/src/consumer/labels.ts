import type { TFunction } from 'i18next';
import type { MyPayment } from './types.ts';

const METHODS = [
  'card',
  'bank_transfer',
  'ewallet',
  'virtual_account',
  'qris',
  'convenience_store',
  'sandbox',
] as const;

/** A gateway's payment method (card, QRIS…) in the reader's language; an unknown one as sent. */
export function methodName(method: string, t: TFunction): string {
  const m = METHODS.find((k) => k === method);
  return m ? t(`consumer.method.${m}`) : method;
}

/** How a payment was made: the gateway's name for online payments, else the rail (cash counter, bank…). */
export function paymentMethodLabel(p: Pick<MyPayment, 'method_label' | 'channel'>, t: TFunction): string {
  return p.method_label ?? t(`consumer.channel.${p.channel}`);
}
