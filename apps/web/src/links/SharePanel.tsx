import { Alert, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconBrandWhatsapp, IconCircleCheck, IconMail, IconMessage } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyableCode, ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { DARK_TEXT } from '../cso/components.tsx';
import { ApiError } from '../shared/api.ts';
import { fieldErrors } from '../shared/errors.ts';
import { useSendLink } from './queries.ts';
import type { PaymentLink } from './types.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 -]{6,19}$/;

/** The link to hand over: its URL to copy, WhatsApp, or sent by e-mail or SMS from the outbox. */
export function SharePanel({
  link,
  created = false,
  email = '',
  phone = '',
}: {
  link: PaymentLink;
  created?: boolean;
  email?: string | null;
  phone?: string | null;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const due = link.amount_due ?? link.amount;
  return (
    <Stack gap="md" data-testid="link-share">
      {created && (
        <Alert
          color="green"
          variant="light"
          icon={<IconCircleCheck size={20} aria-hidden="true" />}
          title={<span style={{ color: DARK_TEXT.green }}>{t('links.share.created')}</span>}
        >
          {link.description}
          {due !== null ? ` · ${fmt.money(due, link.currency)}` : ''}
        </Alert>
      )}
      {!created && (
        <Text size="sm">
          {link.description}
          {due !== null ? ` · ${fmt.money(due, link.currency)}` : ''}
        </Text>
      )}
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          {t('links.share.url')}
        </Text>
        <CopyableCode value={link.url} label={t('links.share.copy')} testId="link-url" />
      </Stack>
      <Button
        component="a"
        href={link.whatsapp_url}
        target="_blank"
        rel="noopener noreferrer"
        variant="default"
        leftSection={<IconBrandWhatsapp size={20} color="#128c4a" aria-hidden="true" />}
      >
        {t('links.share.whatsapp')}
      </Button>
      <SendForm linkId={link.id} channel="email" initial={email ?? ''} />
      <SendForm linkId={link.id} channel="sms" initial={phone ?? ''} />
    </Stack>
  );
}

function SendForm({
  linkId,
  channel,
  initial,
}: {
  linkId: string;
  channel: 'email' | 'sms';
  initial: string;
}) {
  const { t } = useTranslation();
  const send = useSendLink(linkId);
  const [to, setTo] = useState(initial);
  const [touched, setTouched] = useState(false);
  const valid = channel === 'email' ? EMAIL.test(to.trim()) : PHONE.test(to.trim());
  const problem =
    touched && !valid
      ? t(channel === 'email' ? 'links.share.emailInvalid' : 'links.share.phoneInvalid')
      : undefined;
  const apiField = fieldErrors(send.error, t).to;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (valid) send.mutate({ channel, to: to.trim() });
  };
  const Icon = channel === 'email' ? IconMail : IconMessage;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap={6}>
        <Group gap="sm" align="flex-start" wrap="wrap">
          <TextInput
            style={{ flex: '1 1 220px' }}
            type={channel === 'email' ? 'email' : 'tel'}
            label={t(channel === 'email' ? 'links.share.emailTo' : 'links.share.smsTo')}
            placeholder={channel === 'email' ? 'payer@example.com' : '+6281234567890'}
            value={to}
            onChange={(e) => {
              setTo(e.currentTarget.value);
              setTouched(true);
              send.reset();
            }}
            error={problem ?? apiField}
            autoComplete="off"
          />
          <Button
            type="submit"
            variant="light"
            mt={{ base: 0, xs: 25 }}
            leftSection={<Icon size={18} aria-hidden="true" />}
            loading={send.isPending}
          >
            {t(channel === 'email' ? 'links.share.sendEmail' : 'links.share.sendSms')}
          </Button>
        </Group>
        {send.isSuccess && (
          <Text size="sm" c={DARK_TEXT.green} fw={500} role="status" data-testid={`sent-${channel}`}>
            {t(channel === 'email' ? 'links.share.emailSent' : 'links.share.smsSent', {
              to: send.variables.to,
            })}
          </Text>
        )}
        {send.error && !(send.error instanceof ApiError && apiField) && <ErrorAlert error={send.error} />}
      </Stack>
    </form>
  );
}
