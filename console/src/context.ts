import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api';
import { translator, type Locale, type T } from './i18n';

export interface ConsoleContext {
  session: Session;
  locale: Locale;
  t: T;
}

export const Ctx = createContext<ConsoleContext>({
  session: null as unknown as Session,
  locale: 'en',
  t: translator('en'),
});

export const useConsole = () => useContext(Ctx);
