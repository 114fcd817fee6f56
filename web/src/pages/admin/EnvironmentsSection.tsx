export default function EnvironmentsSection() {
  return <p className="muted">Environments: not available yet.</p>;
}
