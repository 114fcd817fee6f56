export default function TeamsSection() {
  return <p className="muted">Teams: not available yet.</p>;
}
