import type { ComponentChildren } from 'preact';

/**
 * A wide table's horizontal scroller: focusable and named, so a keyboard user
 * can scroll it and a screen reader says what it holds.
 */
export function ScrollRegion(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.label}>
      {props.children}
    </div>
  );
}
