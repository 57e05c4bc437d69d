import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en.json';
import es from '../locales/es.json';
import id from '../locales/id.json';

/** The languages Billrail speaks (LOCALES in @billrail/contracts), each named in itself. */
export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'es', label: 'Español' },
  { code: 'id', label: 'Bahasa Indonesia' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

export const isLanguage = (value: unknown): value is Language => LANGUAGES.some((l) => l.code === value);

const STORAGE_KEY = 'billrail.language';

function remembered(): Language | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}

/** A choice the person made, else the browser's preference, else English. */
function initialLanguage(): Language {
  const stored = remembered();
  if (stored) return stored;
  for (const tag of navigator.languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

export function setLanguage(lng: Language) {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // Private mode or storage disabled: the choice lasts until the page is closed.
  }
  if (i18n.language !== lng) void i18n.changeLanguage(lng);
}

export const currentLanguage = (): Language => (isLanguage(i18n.language) ? i18n.language : 'en');

// The three catalogues are a few kilobytes compressed, so they ship with the app: switching
// language is instant and never shows untranslated keys while a file loads.
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, es: { translation: es }, id: { translation: id } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: LANGUAGES.map((l) => l.code),
  interpolation: { escapeValue: false },
  returnNull: false,
});

const syncDocumentLanguage = (lng: string) => {
  document.documentElement.lang = lng;
};
syncDocumentLanguage(i18n.language);
i18n.on('languageChanged', syncDocumentLanguage);

export default i18n;
