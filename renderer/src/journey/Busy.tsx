/**
 * Visible progress for anything that takes more than a second (looking up, scanning, paying, submitting,
 * printing, sending a rating): a spinner and the words, announced politely. With `fraction` the bar is
 * determinate (a scanned page's progress).
 */
export function Busy({ label, fraction }: { label: string; fraction?: number | null | undefined }) {
  const determinate = fraction !== null && fraction !== undefined;
  const percent = determinate ? Math.round(fraction * 100) : undefined;
  return (
    <div className="busy" role="status" aria-live="polite">
      <div
        className={determinate ? 'busy-bar' : 'spinner'}
        role="progressbar"
        aria-label={label}
        {...(determinate ? { 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent } : {})}
      >
        {determinate && <div className="busy-bar-fill" style={{ width: `${percent}%` }} />}
      </div>
      <p className="busy-text">{label}</p>
    </div>
  );
}
