import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en.json';

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

/**
 * English ships with the app (it is also the fallback for a missing key); the other catalogues
 * are fetched the first time they are needed, so a page pays only for the language it shows.
 */
const CATALOGUES: Record<Exclude<Language, 'en'>, () => Promise<{ default: Record<string, unknown> }>> = {
  es: () => import('../locales/es.json'),
  id: () => import('../locales/id.json'),
};

async function loadCatalogue(lng: Language) {
  if (lng === 'en' || i18n.hasResourceBundle(lng, 'translation')) return;
  const catalogue = await CATALOGUES[lng]();
  i18n.addResourceBundle(lng, 'translation', catalogue.default);
}

export function setLanguage(lng: Language) {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // Private mode or storage disabled: the choice lasts until the page is closed.
  }
  if (i18n.language === lng) return;
  // The switch happens once the catalogue is in, so no key shows untranslated meanwhile; if it
  // cannot be fetched (offline, before the service worker has it), the page stays as it is.
  loadCatalogue(lng)
    .then(() => i18n.changeLanguage(lng))
    .catch(() => {});
}

export const currentLanguage = (): Language => (isLanguage(i18n.language) ? i18n.language : 'en');

const first = initialLanguage();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: LANGUAGES.map((l) => l.code),
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** Resolves once the first language's catalogue is in; main.tsx renders after it. */
export const i18nReady: Promise<void> = loadCatalogue(first)
  .then(() => i18n.changeLanguage(first))
  .then(
    () => undefined,
    () => undefined, // a catalogue that cannot be fetched leaves the app in English
  );

const syncDocumentLanguage = (lng: string) => {
  document.documentElement.lang = lng;
};
syncDocumentLanguage(i18n.language);
i18n.on('languageChanged', syncDocumentLanguage);

export default i18n;
