import { Badge, Box, Button, Group, Menu } from '@mantine/core';
import { IconDownload, IconFileSpreadsheet, IconFileText } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Channel, PaymentStatus } from './types.ts';

// Mantine's light badges put shade 9 on shade 1, under 4.5:1 for green, teal, orange and yellow,
// so those get a darker text (as the consumer History does).
const STATUS_COLOR: Record<PaymentStatus, { color: string; text?: string }> = {
  pending: { color: 'yellow', text: '#8a4700' },
  successful: { color: 'blue' },
  completed: { color: 'teal', text: '#066649' },
  failed: { color: 'red', text: '#a12222' },
  refunded: { color: 'orange', text: '#8a3c00' },
  reversed: { color: 'grape' },
};
export const DARK_TEXT = { green: '#226e32', red: '#a12222', orange: '#8a3c00' };

/** Seed 002's words for a payment's status: Payment Successful, Payment Completed, Failed, Refund. */
export function StatusBadge({ status }: { status: PaymentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={STATUS_COLOR[status].color}
      c={STATUS_COLOR[status].text}
      variant="light"
      radius="sm"
      style={{ whiteSpace: 'nowrap' }}
    >
      {t(`cso.status.${status}`)}
    </Badge>
  );
}

/** Seed 002's "Mode" column: Online for gateways, links and QR; otherwise the rail. */
export function modeLabel(channel: Channel, t: TFunction) {
  const online = channel === 'gateway' || channel === 'link' || channel === 'qr';
  return online ? t('cso.mode.online') : t(`cso.channel.${channel}`);
}

/** Download buttons for a list's CSV and XLSX exports, with the list's filters in the link. */
export function ExportButtons({ path, query }: { path: string; query: string }) {
  const { t } = useTranslation();
  const href = (format: 'csv' | 'xlsx') => `${path}?format=${format}${query ? `&${query}` : ''}`;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default" leftSection={<IconDownload size={16} aria-hidden="true" />}>
          {t('cso.export.button')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item
          component="a"
          href={href('xlsx')}
          download
          leftSection={<IconFileSpreadsheet size={16} aria-hidden="true" />}
        >
          {t('cso.export.xlsx')}
        </Menu.Item>
        <Menu.Item
          component="a"
          href={href('csv')}
          download
          leftSection={<IconFileText size={16} aria-hidden="true" />}
        >
          {t('cso.export.csv')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function Row({ children }: { children: React.ReactNode }) {
  return (
    <Group gap="sm" wrap="wrap" align="flex-end">
      {children}
    </Group>
  );
}

// position: relative makes the box the containing block of absolutely positioned children (a
// VisuallyHidden column header), so they scroll inside it instead of widening the page on a phone.
const SCROLL_BOX = { overflowX: 'auto', maxWidth: '100%', position: 'relative' } as const;

/**
 * A wide table's own horizontal scroll box: focusable and labelled, so keyboard users can scroll
 * it (axe scrollable-region-focusable), and the page itself never scrolls sideways on a phone.
 */
export function Scroll({
  label,
  minWidth,
  children,
}: {
  label: string;
  minWidth: number;
  children: React.ReactNode;
}) {
  return (
    <Box role="region" aria-label={label} tabIndex={0} style={SCROLL_BOX}>
      <Box miw={minWidth}>{children}</Box>
    </Box>
  );
}
