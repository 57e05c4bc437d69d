import type { UserView } from '@billrail/contracts';
import { Alert, Button, Card, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { currentLanguage, isLanguage, LANGUAGES, type Language, setLanguage } from '../shared/i18n.ts';
import { updateSessionUser, useSession } from '../shared/session.ts';

const FIELDS = ['name', 'phone', 'locale'] as const;

interface ProfileForm {
  name: string;
  phone: string;
  locale: Language;
}

const formOf = (user: UserView): ProfileForm => ({
  name: user.name,
  phone: user.phone ?? '',
  locale: isLanguage(user.locale) ? user.locale : currentLanguage(),
});

export function ProfilePage() {
  const { t } = useTranslation();
  const session = useSession();
  useDocumentTitle(`${t('profile.title')} · ${session.tenant.display_name}`);
  // Fetched afresh on every visit: it also tells a tab whose session ended that it has.
  const me = useQuery({
    queryKey: ['me'],
    queryFn: ({ signal }) => api<UserView>('/v1/me', { signal }),
    initialData: session.user,
    initialDataUpdatedAt: 0,
  });
  return <ProfileEditor user={me.data} />;
}

function ProfileEditor({ user }: { user: UserView }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [form, setForm] = useState<ProfileForm>(() => formOf(user));
  const [edited, setEdited] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);

  // The form starts from the session's copy; the fresh one, arriving a moment later, replaces it
  // unless the person has already started typing.
  useEffect(() => {
    if (!edited) setForm(formOf(user));
  }, [user, edited]);

  const save = useMutation({
    mutationFn: (patch: { name: string; phone: string | null; locale: Language }) =>
      api<UserView>('/v1/me', { method: 'PATCH', body: patch }),
    onSuccess: (saved) => {
      client.setQueryData(['me'], saved);
      updateSessionUser(client, saved);
      if (isLanguage(saved.locale)) setLanguage(saved.locale);
    },
  });

  const change = <K extends keyof ProfileForm>(key: K, value: ProfileForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setEdited(true);
    if (key === 'name') setNameError(null);
    if (save.isSuccess || save.isError) save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = form.name.trim();
    if (!name) {
      setNameError(t('profile.nameRequired'));
      document.getElementById('profile-name')?.focus();
      return;
    }
    save.mutate({ name, phone: form.phone.trim() || null, locale: form.locale });
  };

  const serverErrors = fieldErrors(save.error, t);
  const alert = formAlert(save.error, FIELDS, t);

  return (
    <Stack gap="lg" maw={640}>
      <div>
        <Title order={1} size="h2">
          {t('profile.title')}
        </Title>
        <Text c="dimmed" mt={4}>
          {t('profile.description')}
        </Text>
      </div>
      <Card withBorder radius="lg" padding="lg">
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {save.isSuccess && (
              <Alert
                color="green"
                icon={<IconCircleCheck size={20} aria-hidden="true" />}
                data-testid="profile-saved"
              >
                {t('profile.saved')}
              </Alert>
            )}
            {alert && (
              <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
                {alert}
              </Alert>
            )}
            <TextInput
              id="profile-name"
              label={t('profile.name')}
              value={form.name}
              onChange={(e) => change('name', e.currentTarget.value)}
              error={nameError ?? serverErrors.name}
              autoComplete="name"
              maxLength={120}
              required
            />
            <TextInput label={t('profile.email')} value={user.email} readOnly variant="filled" />
            <TextInput
              label={t('profile.phone')}
              description={t('profile.phoneHint')}
              type="tel"
              value={form.phone}
              onChange={(e) => change('phone', e.currentTarget.value)}
              error={serverErrors.phone}
              autoComplete="tel"
              inputMode="tel"
              maxLength={20}
            />
            <NativeSelect
              label={t('profile.language')}
              value={form.locale}
              onChange={(e) => {
                const v = e.currentTarget.value;
                if (isLanguage(v)) change('locale', v);
              }}
              data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
              error={serverErrors.locale}
            />
            <Group justify="flex-end" mt="xs">
              <Button type="submit" loading={save.isPending}>
                {t('profile.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
