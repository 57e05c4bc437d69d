import { Button, Text } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { LoadError, PageLoader } from '../consumer/components.tsx';
import { DetailRow, PaymentNotFound, PaymentResult } from '../pay/PaymentResult.tsx';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { type PublicCheckout, usePublicCheckout, useStartPublicCheckout } from './api.ts';
import { PublicLayout } from './components.tsx';

/**
 * Where the gateway sends a payer who paid without an account (quick pay, payment links):
 * Payment Successful in green, or the failure in red with the gateway's words and Retry (a new
 * attempt). While the gateway has not answered it asks again every 2 s.
 */
export function PublicPayResultPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('public.result.documentTitle'));
  const [params] = useSearchParams();
  const id = params.get('checkout');
  const q = usePublicCheckout(id);
  let body: React.ReactNode;
  if (!id || (q.error instanceof ApiError && q.error.status === 404)) {
    body = <PaymentNotFound texts="public.result" />;
  } else if (q.isError) body = <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  else if (!q.data) body = <PageLoader />;
  else body = <Outcome c={q.data} />;
  return <PublicLayout biller={q.data?.biller ?? null}>{body}</PublicLayout>;
}

function backPath(c: PublicCheckout) {
  if (c.link_token) return `/l/${c.link_token}`;
  if (c.reference_id) return `/pay?ref=${c.reference_id}`;
  return '/pay';
}

function Outcome({ c }: { c: PublicCheckout }) {
  const { t } = useTranslation();
  const retry = useStartPublicCheckout(`/v1/public/checkouts/${c.id}/retry`);
  return (
    <PaymentResult
      texts="public.result"
      status={c.status}
      amount={c.amount}
      currency={c.currency}
      gateway={c.gateway}
      gatewayName={c.gateway_name}
      reference={c.payment_id ?? c.id}
      failureMessage={c.failure?.message ?? null}
      tenantName={c.biller.display_name}
      detailsClassName="public-details"
      extraDetails={
        c.bill_numbers.length > 0 && (
          <DetailRow label={t('public.result.bills')}>
            <Text component="dd">{c.bill_numbers.join(', ')}</Text>
          </DetailRow>
        )
      }
      successActions={
        c.reference_id && (
          <Button component={Link} to={`/verify/${c.reference_id}`} variant="default">
            {t('public.result.verify')}
          </Button>
        )
      }
      onRetry={() => retry.mutate({})}
      retrying={retry.isPending || retry.isSuccess}
      retryError={
        !retry.isError
          ? null
          : retry.error instanceof ApiError && retry.error.code.startsWith('payment_link_')
            ? retry.error.detail
            : problemMessage(retry.error, t)
      }
      otherMethodTo={backPath(c)}
    />
  );
}
