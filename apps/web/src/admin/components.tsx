import {
  ActionIcon,
  Alert,
  Badge,
  Code,
  CopyButton,
  Group,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { intlLocale } from '../consumer/format.ts';
import { problemMessage } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';

/** The heading every admin page starts with, and the browser tab's title. */
export function AdminPage({
  title,
  description,
  actions,
  children,
  maw = 1100,
}: {
  title: string;
  description?: string;
  actions?: ReactNode;
  children: ReactNode;
  maw?: number;
}) {
  const session = useSession();
  useDocumentTitle(`${title} · ${session.tenant.display_name}`);
  return (
    <Stack gap="lg" maw={maw} className="admin-page">
      <Group justify="space-between" align="flex-end" gap="sm">
        <div>
          <Title order={1} size="h2">
            {title}
          </Title>
          {description && (
            <Text c="dimmed" mt={4}>
              {description}
            </Text>
          )}
        </div>
        {actions}
      </Group>
      {children}
    </Stack>
  );
}

/** A copy button with a label that says what it copies and confirms when it has. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  const { t } = useTranslation();
  return (
    <CopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? t('admin.copied') : label} withArrow>
          <ActionIcon
            variant={copied ? 'filled' : 'default'}
            color={copied ? 'green' : undefined}
            onClick={copy}
            aria-label={copied ? t('admin.copied') : label}
            size="lg"
          >
            {copied ? <IconCheck size={18} aria-hidden="true" /> : <IconCopy size={18} aria-hidden="true" />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** A value in monospace with a copy button, wrapped on narrow screens. */
export function CopyableCode({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="center">
      <Code data-testid={testId} style={{ wordBreak: 'break-all', flex: 1 }} fz="sm" py={6}>
        {value}
      </Code>
      <CopyValue value={value} label={label} />
    </Group>
  );
}

/** A secret the server returns exactly once (API key, webhook signing secret, temporary password). */
export function ShownOnce({ title, value, testId }: { title: string; value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" variant="light" icon={<IconKey size={20} aria-hidden="true" />} title={title}>
      <Stack gap="xs">
        <Text size="sm">{t('admin.shownOnce')}</Text>
        <CopyableCode value={value} label={t('admin.copy')} {...(testId ? { testId } : {})} />
      </Stack>
    </Alert>
  );
}

/** A failed call in the reader's language, in red. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />} role="alert">
      {problemMessage(error, t)}
    </Alert>
  );
}

/** Date and time in the reader's language (and, when given, a time zone). */
export function useDateTime() {
  const { i18n } = useTranslation();
  const locale = intlLocale(i18n.language);
  const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return (iso: string | null | undefined) => (iso ? fmt.format(new Date(iso)) : '—');
}

/**
 * Text colours dark enough for AA (4.5:1) on their own light tint: Mantine's light badges and alert
 * titles use shade 6-9 of the colour, which is below AA for green, teal, orange and yellow.
 */
export const TONE = {
  green: '#1e6b30',
  red: '#a51d1d',
  orange: '#8a3c00',
  yellow: '#6e4c00',
  blue: '#17508a',
  teal: '#0b5e4e',
  gray: '#3d434a',
} as const;
export type Tone = keyof typeof TONE;

/** A status label in a colour that stays readable. */
export function Tag({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <Badge color={tone} c={TONE[tone]} variant="light" tt="none" data-testid={testId}>
      {children}
    </Badge>
  );
}

/**
 * A wide table that scrolls sideways on a narrow screen; focusable, so keyboard users can scroll it
 * too, and named for screen readers.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section className="admin-table-wrap" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
