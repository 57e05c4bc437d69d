import { Alert, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { PasswordField } from '../shared/PasswordField.tsx';
import { useSession } from '../shared/session.ts';

/** The server's rule (PASSWORD_MIN_LENGTH in the auth service), checked here as the person types. */
export const PASSWORD_MIN_LENGTH = 10;

const FIELDS = ['current_password', 'new_password'] as const;

export function PasswordPage() {
  const { t } = useTranslation();
  const { tenant, user } = useSession();
  useDocumentTitle(`${t('password.title')} · ${tenant.display_name}`);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');

  const change = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      api<void>('/v1/auth/change-password', { method: 'POST', body }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
    },
  });

  // Errors appear while typing, once there is something to judge.
  const tooShort = next.length > 0 && next.length < PASSWORD_MIN_LENGTH;
  const mismatch = confirm.length > 0 && confirm !== next;
  const valid = current.length > 0 && next.length >= PASSWORD_MIN_LENGTH && confirm === next;

  const serverErrors = fieldErrors(change.error, t);
  const alert = formAlert(change.error, FIELDS, t);

  const edit = (set: (v: string) => void) => (value: string) => {
    set(value);
    if (change.isSuccess || change.isError) change.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid || change.isPending) return;
    change.mutate({ current_password: current, new_password: next });
  };

  return (
    <Stack gap="lg" maw={640}>
      <div>
        <Title order={1} size="h2">
          {t('password.title')}
        </Title>
        <Text c="dimmed" mt={4}>
          {t('password.description', { count: PASSWORD_MIN_LENGTH })}
        </Text>
      </div>
      <Card withBorder radius="lg" padding="lg">
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {change.isSuccess && (
              <Alert
                color="green"
                icon={<IconCircleCheck size={20} aria-hidden="true" />}
                data-testid="password-changed"
              >
                {t('password.changed')}
              </Alert>
            )}
            {alert && (
              <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
                {alert}
              </Alert>
            )}
            {/* Lets password managers tie the new password to the right account. */}
            <input type="text" name="username" autoComplete="username" hidden readOnly value={user.email} />
            <PasswordField
              label={t('password.current')}
              value={current}
              onChange={(e) => edit(setCurrent)(e.currentTarget.value)}
              error={serverErrors.current_password}
              autoComplete="current-password"
              required
            />
            <PasswordField
              label={t('password.new')}
              description={t('password.newHint', { count: PASSWORD_MIN_LENGTH })}
              value={next}
              onChange={(e) => edit(setNext)(e.currentTarget.value)}
              error={
                tooShort ? t('password.tooShort', { count: PASSWORD_MIN_LENGTH }) : serverErrors.new_password
              }
              autoComplete="new-password"
              required
            />
            <PasswordField
              label={t('password.confirm')}
              value={confirm}
              onChange={(e) => edit(setConfirm)(e.currentTarget.value)}
              error={mismatch ? t('password.mismatch') : undefined}
              autoComplete="new-password"
              required
            />
            <Group justify="flex-end" mt="xs">
              <Button type="submit" disabled={!valid} loading={change.isPending}>
                {t('password.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
