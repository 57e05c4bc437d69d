import { Button, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../shared/session.ts';

/**
 * A page of the app the signed-in role may not use (opened by its address): said plainly, inside
 * the shell, instead of a half-loaded page full of "forbidden" errors. The API refuses the same
 * calls with 403 whatever the page shows.
 */
export function NotAllowedPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  useDocumentTitle(`${t('notAllowed.title')} · Billrail`);
  return (
    <Stack
      align="center"
      gap="md"
      maw={460}
      mt={{ base: 32, sm: 80 }}
      mx="auto"
      ta="center"
      data-testid="not-allowed"
    >
      <ThemeIcon size={56} radius="xl" variant="light" color="red" aria-hidden="true">
        <IconLock size={30} />
      </ThemeIcon>
      <Title order={1} size="h2">
        {t('notAllowed.title')}
      </Title>
      <Text c="dimmed">{t('notAllowed.body', { role: t(`roles.${user.role}`) })}</Text>
      <Button component={Link} to="/app">
        {t('notAllowed.action')}
      </Button>
    </Stack>
  );
}
