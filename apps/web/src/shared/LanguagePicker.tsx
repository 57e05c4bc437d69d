import { NativeSelect } from '@mantine/core';
import { IconLanguage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { currentLanguage, isLanguage, LANGUAGES, setLanguage } from './i18n.ts';

/**
 * Switches the interface language on this browser (the choice is remembered). A native select:
 * every phone shows its own picker, and it needs no popover code.
 */
export function LanguagePicker() {
  const { t } = useTranslation();
  return (
    <NativeSelect
      aria-label={t('language.label')}
      size="xs"
      w={180}
      value={currentLanguage()}
      onChange={(e) => {
        const v = e.currentTarget.value;
        if (isLanguage(v)) setLanguage(v);
      }}
      leftSection={<IconLanguage size={16} aria-hidden="true" />}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
    />
  );
}
