// The stand-in's WebUI does no more than fetch a login token with the secret it is given.
export async function login(secret) {
  const response = await fetch("/webui/bootstrap", { headers: { Authorization: `Bearer ${secret}` } });
  return response.ok ? response.json() : null;
}
