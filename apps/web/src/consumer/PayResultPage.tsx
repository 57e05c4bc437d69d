import './consumer.css';
import { Button, Group, Stack } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { PaymentNotFound, PaymentResult } from '../pay/PaymentResult.tsx';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { ConsumerOnly, LoadError, PageLoader } from './components.tsx';
import { useCheckout, usePaymentMethods, useStartCheckout } from './queries.ts';
import type { Checkout } from './types.ts';

/**
 * Where the gateway sends the payer back (/app/pay/result?checkout=<id>): Payment Successful in
 * green, or the failure in red with the gateway's exact message and Retry, which starts a new
 * attempt for the same bills (seed 002). While the gateway has not said yet, it asks again.
 */
export function PayResultPage() {
  return (
    <ConsumerOnly>
      <PayResult />
    </ConsumerOnly>
  );
}

function PayResult() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  const [params] = useSearchParams();
  const id = params.get('checkout');
  useDocumentTitle(`${t('consumer.result.documentTitle')} · ${tenant.display_name}`);
  const checkout = useCheckout(id);
  const client = useQueryClient();
  const status = checkout.data?.status;
  // What the consumer sees elsewhere (bills, history, dashboard) changes with the outcome.
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: ['me'] });
  }, [client, status]);

  let body: ReactNode;
  if (!id || (checkout.error instanceof ApiError && checkout.error.status === 404)) {
    body = (
      <PaymentNotFound
        texts="consumer.result"
        action={
          <Button component={Link} to="/app/history">
            {t('consumer.result.history')}
          </Button>
        }
      />
    );
  } else if (checkout.isError) {
    body = <LoadError error={checkout.error} onRetry={() => void checkout.refetch()} />;
  } else if (!checkout.data) {
    body = <PageLoader />;
  } else {
    body = <Outcome c={checkout.data} />;
  }
  return (
    <Stack gap="lg" maw={640} mx="auto" w="100%">
      {body}
    </Stack>
  );
}

/** Why a retry could not start. */
function retryError(err: unknown, t: TFunction) {
  if (err instanceof ApiError) {
    if (err.code === 'gateway_checkout_failed') return err.detail;
    if (err.code === 'validation_failed' && err.errors.some((e) => e.field.startsWith('bill_'))) {
      return t('consumer.pay.alreadyPaid');
    }
  }
  return problemMessage(err, t);
}

function Outcome({ c }: { c: Checkout }) {
  const { t } = useTranslation();
  const { tenant } = useSession();
  const methods = usePaymentMethods();
  const retry = useStartCheckout();
  const gatewayName = methods.data?.find((m) => m.gateway === c.gateway)?.display_name ?? c.gateway;
  return (
    <PaymentResult
      texts="consumer.result"
      status={c.status}
      amount={c.amount}
      currency={c.currency}
      gateway={c.gateway}
      gatewayName={gatewayName}
      reference={c.payment_id ?? c.id}
      failureMessage={c.failure?.message ?? null}
      tenantName={tenant.display_name}
      detailsClassName="details result-details"
      description={c.description}
      successActions={
        <Group gap="sm">
          <Button component={Link} to="/app/history">
            {t('consumer.result.history')}
          </Button>
          <Button component={Link} to="/app/pay" variant="default">
            {t('consumer.result.backToBills')}
          </Button>
        </Group>
      }
      onRetry={() => retry.mutate({ gateway: c.gateway, bill_ids: c.bill_ids })}
      retrying={retry.isPending || retry.isSuccess}
      retryError={retry.isError ? retryError(retry.error, t) : null}
      otherMethodTo="/app/pay"
    />
  );
}
