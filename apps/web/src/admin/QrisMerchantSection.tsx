import { Card, NativeSelect, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QRIS_CRITERIA, type QrisField, type QrisForm } from './qris.ts';

/**
 * The settings page's QRIS merchant card: a switch, and when it is on the fields the tenant's
 * acquirer registered (see qris.ts for their rules). QRIS takes IDR only, so a tenant billing in
 * another currency sees why there is nothing to fill in.
 */
export function QrisMerchantSection({
  currency,
  form,
  errors,
  switchError,
  onChange,
  onBlur,
}: {
  currency: string;
  form: QrisForm;
  errors: Partial<Record<QrisField, string>>;
  /** The API's error for the merchant as a whole (`qris_merchant`). */
  switchError?: string | undefined;
  onChange: <K extends keyof QrisForm>(key: K, value: QrisForm[K]) => void;
  onBlur: (key: QrisField) => void;
}) {
  const { t } = useTranslation();
  const text = (
    key: QrisField,
    label: string,
    extra: { description?: string; placeholder?: string } = {},
  ) => (
    <TextInput
      label={label}
      required={key !== 'tag'}
      value={form[key]}
      onChange={(e) => onChange(key, e.currentTarget.value)}
      onBlur={() => onBlur(key)}
      error={errors[key]}
      autoComplete="off"
      spellCheck={false}
      data-field={key}
      {...extra}
    />
  );
  const criteria = (key: 'criteria' | 'acquirer_criteria', label: string) => (
    <NativeSelect
      label={label}
      required
      value={form[key]}
      onChange={(e) => onChange(key, e.currentTarget.value)}
      onBlur={() => onBlur(key)}
      error={errors[key]}
      data-field={key}
      data={[
        { value: '', label: t('admin.settings.qris.chooseCriteria'), disabled: true },
        ...QRIS_CRITERIA.map((c) => ({ value: c, label: t(`admin.settings.qris.criteriaOption.${c}`) })),
      ]}
    />
  );

  return (
    <Card withBorder radius="lg" padding="lg" data-testid="qris-merchant">
      <Stack gap="md">
        <div>
          <Title order={2} size="h4">
            {t('admin.settings.qris.title')}
          </Title>
          <Text size="sm" c="dimmed" mt={4}>
            {t('admin.settings.qris.description')}
          </Text>
        </div>
        {currency !== 'IDR' ? (
          <Text size="sm">{t('admin.settings.qris.idrOnly', { currency })}</Text>
        ) : (
          <>
            <Switch
              label={t('admin.settings.qris.enabled')}
              checked={form.enabled}
              onChange={(e) => onChange('enabled', e.currentTarget.checked)}
              error={switchError}
            />
            {form.enabled && (
              <>
                <Title order={3} size="h5">
                  {t('admin.settings.qris.acquirer')}
                </Title>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  {text('guid', t('admin.settings.qris.guid'), {
                    description: t('admin.settings.qris.guidHint'),
                    placeholder: 'ID.CO.BANKNAME.WWW',
                  })}
                  {text('mpan', t('admin.settings.qris.mpan'), {
                    description: t('admin.settings.qris.mpanHint'),
                  })}
                  {text('merchant_id', t('admin.settings.qris.merchantId'))}
                  {criteria('acquirer_criteria', t('admin.settings.qris.acquirerCriteria'))}
                  {text('tag', t('admin.settings.qris.tag'), {
                    description: t('admin.settings.qris.tagHint'),
                    placeholder: '26',
                  })}
                </SimpleGrid>
                <Title order={3} size="h5">
                  {t('admin.settings.qris.merchant')}
                </Title>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  {text('nmid', t('admin.settings.qris.nmid'), {
                    description: t('admin.settings.qris.nmidHint'),
                    placeholder: 'ID1020021181745',
                  })}
                  {criteria('criteria', t('admin.settings.qris.criteria'))}
                  {text('mcc', t('admin.settings.qris.mcc'), {
                    description: t('admin.settings.qris.mccHint'),
                    placeholder: '4900',
                  })}
                  {text('name', t('admin.settings.qris.name'), {
                    description: t('admin.settings.qris.nameHint'),
                  })}
                  {text('city', t('admin.settings.qris.city'), {
                    description: t('admin.settings.qris.cityHint'),
                  })}
                  {text('postal_code', t('admin.settings.qris.postalCode'))}
                </SimpleGrid>
              </>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}
