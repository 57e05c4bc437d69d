import { Badge, Button, Group, Menu } from '@mantine/core';
import { IconDownload, IconFileSpreadsheet, IconFileText } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Channel, PaymentStatus } from './types.ts';

const STATUS_COLOR: Record<PaymentStatus, string> = {
  pending: 'gray',
  successful: 'blue',
  completed: 'green',
  failed: 'red',
  refunded: 'orange',
  reversed: 'grape',
};

/** Seed 002's words for a payment's status: Payment Successful, Payment Completed, Failed, Refund. */
export function StatusBadge({ status }: { status: PaymentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" radius="sm" style={{ whiteSpace: 'nowrap' }}>
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
