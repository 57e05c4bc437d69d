import {
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AdminPage, ErrorAlert } from '../admin/components.tsx';
import { useTrackOnce } from '../analytics/track.ts';
import { useFormat } from '../consumer/format.ts';
import { useSession } from '../shared/session.ts';
import { DARK_TEXT, Scroll } from './components.tsx';
import { useExceptions, useImportStatement, useImports, useResolve } from './queries.ts';
import type { StatementLine } from './types.ts';

/**
 * Reconciliation (seed 002 "Automated Reconciliation"): import a bank statement or settlement
 * file, see what matched, and resolve the exceptions (match to a payment or ignore, with a reason).
 */
export function ReconciliationPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useSession();
  const canImport = session.allowed_actions.includes('reconciliation.import');
  const canResolve = session.allowed_actions.includes('reconciliation.resolve');
  const imports = useImports();
  const exceptions = useExceptions();
  // How often staff review reconciliation (seed 002 section 12): once the exceptions have loaded.
  // The imports below are part of the same page, so one view is one event.
  useTrackOnce('Reconciliation Report Viewed', exceptions.data ? { report_name: 'exceptions' } : null);
  const upload = useImportStatement();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('bank');
  const [resolving, setResolving] = useState<{ line: StatementLine; action: 'match' | 'ignore' } | null>(
    null,
  );

  return (
    <AdminPage title={t('cso.recon.title')} description={t('cso.recon.description')} maw={1300}>
      {canImport && (
        <Card withBorder radius="md" padding="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (file)
                upload.mutate({ file, source: source.trim() || 'bank' }, { onSuccess: () => setFile(null) });
            }}
          >
            <Stack gap="sm">
              <Title order={2} size="h4">
                {t('cso.recon.import')}
              </Title>
              <Group align="flex-end" gap="sm" wrap="wrap">
                <FileInput
                  label={t('cso.recon.file')}
                  description={t('cso.recon.fileHint')}
                  value={file}
                  onChange={setFile}
                  accept=".xml,.csv,.xlsx,.txt,.sta,.940,.mt940"
                  clearable
                  style={{ flex: '1 1 280px' }}
                />
                <TextInput
                  label={t('cso.recon.source')}
                  value={source}
                  onChange={(e) => setSource(e.currentTarget.value)}
                  w={160}
                />
                <Button
                  type="submit"
                  disabled={!file}
                  loading={upload.isPending}
                  leftSection={<IconUpload size={16} aria-hidden="true" />}
                >
                  {t('cso.recon.upload')}
                </Button>
              </Group>
              {upload.error && <ErrorAlert error={upload.error} />}
              {upload.data && (
                <Text size="sm" c={DARK_TEXT.green} role="status">
                  {t('cso.recon.imported', {
                    lines: upload.data.lines,
                    matched: upload.data.matched,
                    exceptions: upload.data.exceptions,
                  })}
                </Text>
              )}
            </Stack>
          </form>
        </Card>
      )}

      <Title order={2} size="h4">
        {t('cso.recon.exceptions')}
      </Title>
      {exceptions.error && <ErrorAlert error={exceptions.error} />}
      {exceptions.data?.data.length === 0 ? (
        <Text c="dimmed">{t('cso.recon.noExceptions')}</Text>
      ) : (
        <Scroll label={t('cso.col.table')} minWidth={900}>
          <Table striped verticalSpacing="sm" data-testid="exceptions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('cso.recon.date')}</Table.Th>
                <Table.Th ta="right">{t('cso.col.amount')}</Table.Th>
                <Table.Th>{t('cso.recon.reference')}</Table.Th>
                <Table.Th>{t('cso.recon.counterparty')}</Table.Th>
                <Table.Th>{t('cso.col.status')}</Table.Th>
                <Table.Th>{t('cso.col.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(exceptions.data?.data ?? []).map((l) => (
                <Table.Tr key={l.id} data-line-id={l.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.day(l.booking_date)}</Table.Td>
                  <Table.Td ta="right">{fmt.money(l.amount, l.currency)}</Table.Td>
                  <Table.Td>
                    {l.reference ?? '—'}
                    <Text size="xs" c="dimmed">
                      {l.remittance}
                    </Text>
                  </Table.Td>
                  <Table.Td>{l.counterparty ?? '—'}</Table.Td>
                  <Table.Td>
                    <Badge color="orange" c={DARK_TEXT.orange} variant="light">
                      {l.status.replace(/_/g, ' ')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {canResolve && (
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => setResolving({ line: l, action: 'match' })}
                        >
                          {t('cso.recon.match')}
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setResolving({ line: l, action: 'ignore' })}
                        >
                          {t('cso.recon.ignore')}
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
      )}

      <Title order={2} size="h4">
        {t('cso.recon.imports')}
      </Title>
      <Scroll label={t('cso.col.table')} minWidth={700}>
        <Table striped verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('cso.recon.when')}</Table.Th>
              <Table.Th>{t('cso.recon.file')}</Table.Th>
              <Table.Th>{t('cso.recon.format')}</Table.Th>
              <Table.Th ta="right">{t('cso.recon.lines')}</Table.Th>
              <Table.Th ta="right">{t('cso.recon.matched')}</Table.Th>
              <Table.Th ta="right">{t('cso.recon.exceptionsCount')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(imports.data?.data ?? []).map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(i.created_at)}</Table.Td>
                <Table.Td>{i.filename ?? i.source}</Table.Td>
                <Table.Td>{i.format}</Table.Td>
                <Table.Td ta="right">{i.lines}</Table.Td>
                <Table.Td ta="right">{i.matched}</Table.Td>
                <Table.Td ta="right">{i.exceptions}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
      <ResolveModal target={resolving} onClose={() => setResolving(null)} />
    </AdminPage>
  );
}

function ResolveModal({
  target,
  onClose,
}: {
  target: { line: StatementLine; action: 'match' | 'ignore' } | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const resolve = useResolve();
  const [paymentId, setPaymentId] = useState('');
  const [reason, setReason] = useState('');
  const close = () => {
    resolve.reset();
    setPaymentId('');
    setReason('');
    onClose();
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('cso.close') }}
      opened={!!target}
      onClose={close}
      centered
      title={target?.action === 'match' ? t('cso.recon.matchTitle') : t('cso.recon.ignoreTitle')}
    >
      {target && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            resolve.mutate(
              {
                id: target.line.id,
                action: target.action,
                reason: reason.trim(),
                ...(target.action === 'match' ? { payment_id: paymentId.trim() } : {}),
              },
              { onSuccess: close },
            );
          }}
        >
          <Stack>
            {target.action === 'match' && (
              <TextInput
                label={t('cso.recon.paymentId')}
                required
                value={paymentId}
                onChange={(e) => setPaymentId(e.currentTarget.value)}
              />
            )}
            <TextInput
              label={t('cso.reason')}
              required
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            {resolve.error && <ErrorAlert error={resolve.error} />}
            <Button type="submit" loading={resolve.isPending} disabled={reason.trim().length < 3}>
              {target.action === 'match' ? t('cso.recon.match') : t('cso.recon.ignore')}
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
