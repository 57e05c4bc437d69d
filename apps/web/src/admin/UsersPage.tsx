import type { Role } from '@billrail/contracts';
import {
  Button,
  Group,
  Menu,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { AdminPage, ErrorAlert, ShownOnce, TableWrap, Tag, useDateTime } from './components.tsx';
import { adminKeys, usePagedList } from './queries.ts';
import type { UserView } from './types.ts';
import './admin.css';

/** The roles a tenant admin can give (platform admins live only in the platform tenant). */
const TENANT_ROLES: readonly Role[] = ['tenant_admin', 'cso_admin', 'cso_executive', 'consumer'];
const CREATE_FIELDS = ['email', 'name', 'role', 'phone', 'password'] as const;

/** A random temporary password for a new person (they change it on the Password page). */
function temporaryPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (c) => ({ '+': 'x', '/': 'y', '=': '' })[c]!);
}

/** Users and roles (seed 001: the admin manages access, permissions and logins). */
export function UsersPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canEdit = session.allowed_actions.includes('users.update');
  const list = usePagedList<UserView>(adminKeys.users, '/v1/users');
  const [opened, dialog] = useDisclosure(false);
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
  const users = list.data?.pages.flatMap((p) => p.data) ?? [];
  const dateTime = useDateTime();

  return (
    <AdminPage
      title={t('admin.users.title')}
      description={t('admin.users.description')}
      actions={
        session.allowed_actions.includes('users.create') && (
          <Button leftSection={<IconUserPlus size={18} aria-hidden="true" />} onClick={dialog.open}>
            {t('admin.users.add')}
          </Button>
        )
      }
    >
      {secret && <ShownOnce title={secret.title} value={secret.value} testId="user-secret" />}
      <ErrorAlert error={list.error} />
      <TableWrap label={t('admin.users.title')}>
        <Table striped highlightOnHover miw={760} verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('admin.users.name')}</Table.Th>
              <Table.Th>{t('admin.users.role')}</Table.Th>
              <Table.Th>{t('admin.users.status')}</Table.Th>
              <Table.Th>{t('admin.users.lastLogin')}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t('admin.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                self={u.id === session.user.id}
                canEdit={canEdit}
                lastLogin={dateTime(u.last_login_at)}
                onSecret={setSecret}
              />
            ))}
          </Table.Tbody>
        </Table>
      </TableWrap>
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('admin.loadMore')}
        </Button>
      )}
      <Modal opened={opened} onClose={dialog.close} title={t('admin.users.add')} centered>
        <CreateUserForm
          onCreated={(u, password) => {
            dialog.close();
            setSecret({ title: t('admin.users.createdSecret', { email: u.email }), value: password });
          }}
        />
      </Modal>
    </AdminPage>
  );
}

function UserRow({
  user: u,
  self,
  canEdit,
  lastLogin,
  onSecret,
}: {
  user: UserView;
  self: boolean;
  canEdit: boolean;
  lastLogin: string;
  onSecret: (s: { title: string; value: string }) => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.users });
  const patch = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<UserView>(`/v1/users/${u.id}`, { method: 'PATCH', body }),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: () =>
      api<{ user: UserView; temporary_password: string }>(`/v1/users/${u.id}/reset-password`, {
        method: 'POST',
      }),
    onSuccess: (r) => {
      void refresh();
      onSecret({ title: t('admin.users.resetSecret', { email: u.email }), value: r.temporary_password });
    },
  });
  const locked = !!u.locked_until;
  return (
    <>
      <Table.Tr data-testid={`user-${u.email}`}>
        <Table.Td>
          <Text size="sm" fw={600}>
            {u.name}
          </Text>
          <Text size="xs" c="dimmed">
            {u.email}
          </Text>
        </Table.Td>
        <Table.Td>
          {canEdit && !self ? (
            <NativeSelect
              size="xs"
              aria-label={t('admin.users.roleOf', { name: u.name })}
              value={u.role}
              onChange={(e) => patch.mutate({ role: e.currentTarget.value })}
              data={TENANT_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            />
          ) : (
            <Text size="sm">{t(`roles.${u.role}`)}</Text>
          )}
        </Table.Td>
        <Table.Td>
          <Group gap={4}>
            <Tag tone={u.status === 'active' ? 'green' : 'gray'}>{t(`admin.users.statuses.${u.status}`)}</Tag>
            {locked && <Tag tone="orange">{t('admin.users.locked')}</Tag>}
          </Group>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{lastLogin}</Text>
        </Table.Td>
        <Table.Td>
          {canEdit && !self && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button
                  variant="subtle"
                  size="compact-sm"
                  aria-label={t('admin.users.actionsFor', { name: u.name })}
                  loading={patch.isPending || reset.isPending}
                >
                  <IconDots size={18} aria-hidden="true" />
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {u.status === 'active' ? (
                  <Menu.Item color="red" onClick={() => patch.mutate({ status: 'disabled' })}>
                    {t('admin.users.disable')}
                  </Menu.Item>
                ) : (
                  <Menu.Item onClick={() => patch.mutate({ status: 'active' })}>
                    {t('admin.users.enable')}
                  </Menu.Item>
                )}
                {locked && (
                  <Menu.Item onClick={() => patch.mutate({ unlock: true })}>
                    {t('admin.users.unlock')}
                  </Menu.Item>
                )}
                <Menu.Item onClick={() => reset.mutate()}>{t('admin.users.reset')}</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Table.Td>
      </Table.Tr>
      {(patch.error || reset.error) && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <ErrorAlert error={patch.error ?? reset.error} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

function CreateUserForm({ onCreated }: { onCreated: (u: UserView, password: string) => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [form, setForm] = useState({ email: '', name: '', role: 'cso_executive' as Role, phone: '' });
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<UserView>('/v1/users', { method: 'POST', body }),
  });
  const errors = fieldErrors(create.error, t);
  const alert = formAlert(create.error, CREATE_FIELDS, t);
  const emailOk = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.trim());
  const nameOk = form.name.trim() !== '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!emailOk || !nameOk) return;
    const password = temporaryPassword();
    create.mutate(
      {
        email: form.email.trim(),
        name: form.name.trim(),
        role: form.role,
        phone: form.phone.trim() || null,
        password,
      },
      {
        onSuccess: (u) => {
          void client.invalidateQueries({ queryKey: adminKeys.users });
          onCreated(u, password);
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {alert && <ErrorAlert error={create.error} />}
        <TextInput
          label={t('admin.users.email')}
          type="email"
          required
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
          error={errors.email ?? (form.email && !emailOk ? t('errors.field.email') : undefined)}
          autoComplete="off"
        />
        <TextInput
          label={t('admin.users.name')}
          required
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          error={errors.name}
          maxLength={120}
        />
        <NativeSelect
          label={t('admin.users.role')}
          required
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}
          data={TENANT_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          error={errors.role}
        />
        <TextInput
          label={t('admin.users.phone')}
          type="tel"
          value={form.phone}
          onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })}
          error={errors.phone}
        />
        <Text size="sm" c="dimmed">
          {t('admin.users.passwordNote')}
        </Text>
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending} disabled={!emailOk || !nameOk}>
            {t('admin.users.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
