import { Anchor, Avatar, Badge, Card, Group, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle, useInterval } from '@mantine/hooks';
import { IconKey, IconUserCircle } from '@tabler/icons-react';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { initials, TenantLogo } from '../shared/Logo.tsx';
import { useSession } from '../shared/session.ts';

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase" lts={0.4}>
        {label}
      </Text>
      <Text component="dd" size="sm">
        {children}
      </Text>
    </div>
  );
}

function safeDisplayName(lang: string, type: 'currency', code: string): string | undefined {
  try {
    return new Intl.DisplayNames([lang], { type }).of(code);
  } catch {
    return undefined;
  }
}

/** The welcome every role lands on: who you are, where, and with which money and clock. */
export function HomePage() {
  const { t, i18n } = useTranslation();
  const { user, tenant, expires_at: expiresAt } = useSession();
  const lang = i18n.language;
  useDocumentTitle(`${t('shell.nav.home')} · ${tenant.display_name}`);

  const [now, setNow] = useState(() => new Date());
  const tick = useInterval(() => setNow(new Date()), 30_000);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start once, stop on unmount
  useEffect(() => {
    tick.start();
    return tick.stop;
  }, []);

  const currencyName = safeDisplayName(lang, 'currency', tenant.currency);
  const timeThere = new Intl.DateTimeFormat(lang, { timeZone: tenant.time_zone, timeStyle: 'short' }).format(
    now,
  );
  const sessionEnds = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(expiresAt),
  );
  const role = t(`roles.${user.role}`);

  return (
    <Stack gap="xl" maw={960}>
      <Group gap="md" wrap="nowrap" align="center">
        <Avatar size={56} color="brand" radius="xl" aria-hidden="true" visibleFrom="xs">
          {initials(user.name)}
        </Avatar>
        <Stack gap={6} miw={0}>
          <Title order={1} size="h2">
            {t('home.greeting', { name: user.name })}
          </Title>
          <Group gap="xs">
            <Badge variant="light" size="lg" radius="sm" data-testid="role">
              {role}
            </Badge>
            <Text size="sm" c="dimmed">
              {tenant.display_name}
            </Text>
          </Group>
        </Stack>
      </Group>

      <Text size="lg">{t(`home.intro.${user.role}`, { tenant: tenant.display_name })}</Text>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card withBorder radius="lg" padding="lg">
          <Title order={2} size="h4" mb="md">
            {t('home.accountTitle')}
          </Title>
          <dl className="details">
            <Detail label={t('home.name')}>{user.name}</Detail>
            <Detail label={t('home.email')}>{user.email}</Detail>
            <Detail label={t('home.role')}>{role}</Detail>
            <Detail label={t('home.sessionEnds')}>{sessionEnds}</Detail>
          </dl>
        </Card>
        <Card withBorder radius="lg" padding="lg">
          <Title order={2} size="h4" mb="md">
            {t('home.organisationTitle')}
          </Title>
          <dl className="details">
            <Detail label={t('home.organisation')}>
              <Group gap="xs" component="span" wrap="nowrap">
                <TenantLogo tenant={tenant} size={20} />
                {tenant.display_name}
              </Group>
            </Detail>
            <Detail label={t('home.currency')}>
              {tenant.currency}
              {currencyName && currencyName !== tenant.currency ? ` · ${currencyName}` : ''}
            </Detail>
            <Detail label={t('home.timeZone')}>{tenant.time_zone.replaceAll('_', ' ')}</Detail>
            <Detail label={t('home.localTime')}>{timeThere}</Detail>
          </dl>
        </Card>
      </SimpleGrid>

      <Card withBorder radius="lg" padding="lg">
        <Title order={2} size="h4" mb="md">
          {t('home.findTitle')}
        </Title>
        <Stack gap="md">
          <Group gap="md" wrap="nowrap" align="flex-start">
            <ThemeIcon variant="light" size="lg" radius="md" aria-hidden="true">
              <IconUserCircle size={20} />
            </ThemeIcon>
            <div>
              <Anchor component={Link} to="/app/profile" fw={600}>
                {t('shell.nav.profile')}
              </Anchor>
              <Text size="sm" c="dimmed">
                {t('home.findProfile')}
              </Text>
            </div>
          </Group>
          <Group gap="md" wrap="nowrap" align="flex-start">
            <ThemeIcon variant="light" size="lg" radius="md" aria-hidden="true">
              <IconKey size={20} />
            </ThemeIcon>
            <div>
              <Anchor component={Link} to="/app/password" fw={600}>
                {t('shell.nav.password')}
              </Anchor>
              <Text size="sm" c="dimmed">
                {t('home.findPassword')}
              </Text>
            </div>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}
