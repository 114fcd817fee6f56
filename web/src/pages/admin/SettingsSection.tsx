export default function SettingsSection() {
  return <p className="muted">Settings: not available yet.</p>;
}
