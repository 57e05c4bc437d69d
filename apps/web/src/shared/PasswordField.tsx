import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * Mantine's password input with its show/hide toggle named in the reader's language, and marked
 * aria-invalid when it has an error (Mantine's PasswordInput sets that on its wrapper, not on the
 * <input> a screen reader announces).
 */
export function PasswordField(props: PasswordInputProps) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      aria-invalid={props.error ? true : undefined}
      {...props}
      visibilityToggleButtonProps={{ 'aria-label': t('app.showPassword') }}
    />
  );
}
