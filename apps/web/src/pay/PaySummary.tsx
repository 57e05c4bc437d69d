import { Alert, Button, Card, Divider, Group, Stack, Text, Title } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { type ReactNode, useEffect, useRef } from 'react';
import { GatewayMark } from '../consumer/components.tsx';
import type { PaymentMethod } from '../consumer/types.ts';

export interface PaySummaryLabels {
  title: string;
  /** A line under the title (what Pay does next). */
  intro?: string;
  method: string;
  total: string;
  back: string;
  pay: string;
  /** "Taking you to Sandbox…", once the gateway's page is on its way. */
  redirecting: string;
}

/**
 * The summary before the browser leaves for the gateway's hosted page (seed 002): what is paid,
 * with which gateway, the total, then Back or Pay. Shared by Bill Pay, quick pay and payment links;
 * the page supplies the items, its words and what Pay starts.
 */
export function PaySummary({
  labels,
  items,
  method,
  extraRows,
  total,
  error,
  pending,
  redirecting,
  onBack,
  onPay,
}: {
  labels: PaySummaryLabels;
  /** What is being paid: a list of bills, or one line. */
  items: ReactNode;
  method: PaymentMethod;
  /** Rows between the method and the total (where the receipt goes, say). */
  extraRows?: ReactNode;
  /** The total, formatted. */
  total: string;
  /** Why the payment could not start, in the payer's words. */
  error: string | null;
  pending: boolean;
  redirecting: boolean;
  onBack: () => void;
  onPay: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The step replaces the list: move focus to its heading so a screen reader starts there.
  useEffect(() => heading.current?.focus(), []);
  const busy = pending || redirecting;

  return (
    <Card withBorder radius="lg" padding="lg" data-testid="pay-summary">
      <Stack gap="md">
        <div>
          <Title order={2} size="h3" ref={heading} tabIndex={-1}>
            {labels.title}
          </Title>
          {labels.intro && (
            <Text c="dimmed" mt={4}>
              {labels.intro}
            </Text>
          )}
        </div>
        {items}
        <Divider />
        <Group justify="space-between" wrap="nowrap">
          <Text>{labels.method}</Text>
          <Group gap="xs" wrap="nowrap">
            <GatewayMark gateway={method.gateway} size={28} />
            <Text fw={600} data-testid="summary-method">
              {method.display_name}
            </Text>
          </Group>
        </Group>
        {extraRows}
        <Group justify="space-between" wrap="nowrap">
          <Text fw={700}>{labels.total}</Text>
          <Text fw={700} size="xl" data-testid="summary-total">
            {total}
          </Text>
        </Group>
        {error !== null && (
          <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />} role="alert">
            {error}
          </Alert>
        )}
        {redirecting && (
          <Text size="sm" c="dimmed" role="status">
            {labels.redirecting}
          </Text>
        )}
        <Group justify="space-between" gap="sm">
          <Button variant="default" onClick={onBack} disabled={busy}>
            {labels.back}
          </Button>
          <Button size="md" loading={busy} onClick={onPay}>
            {labels.pay}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
