-- Argo CD health check for apitoken.dev/ApiToken.
-- Install: examples/argocd/argocd-cm-patch.yaml (key resource.customizations.health.apitoken.dev_ApiToken).
--
-- It reads the conditions in the order kstatus (Flux, kpt) reads them, so both tell a transient
-- state from a terminal one the same way:
--
--   Progressing  being deleted; no status yet; status or Ready older than metadata.generation;
--                Reconciling=True (kstatus: InProgress): a token is being issued, waits for its
--                signing key to be published or for the issuance budget, a failure is retried,
--                tokens are being revoked or a revocation published; no Ready yet, Ready=Unknown,
--                or Ready=False without Reconciling or Stalled (kstatus: InProgress)
--   Degraded     Stalled=True (kstatus: Failed): a person must act (InvalidSpec with the field
--                to fix, SecretConflict); message from Ready
--   Healthy      Ready=True for the current generation (kstatus: Current)
--   Suspended    revoked (Revoked=True) and published everywhere (RevocationPublished=True).
--                A revocation is a deliberate, final state, not a failure: Degraded would keep
--                the Application red, and alerting, forever. Suspended (grey) stays visible and
--                ranks below Progressing and Degraded in the Application's health. kstatus has
--                no such state: it reads the Ready=False of a revoked ApiToken as InProgress.
--
-- Uses only Lua's base library: Argo CD disables the standard libraries by default.

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function text(c)
  if c == nil then
    return ""
  end
  local reason = c.reason or ""
  local message = c.message or ""
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  return reason .. message
end

local hs = {}

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Being deleted: its tokens are revoked and published before the finalizer is removed"
  return hs
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile the ApiToken"
  return hs
end

local generation = obj.metadata.generation
local ready = condition(obj.status, "Ready")
if generation ~= nil then
  local observed = obj.status.observedGeneration
  local readyObserved = ready ~= nil and ready.observedGeneration or nil
  if observed == nil or observed ~= generation or (readyObserved ~= nil and readyObserved < generation) then
    hs.status = "Progressing"
    hs.message = "Waiting for the operator to reconcile generation " .. generation
    return hs
  end
end

-- kstatus: the first Reconciling=True or Stalled=True decides.
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Reconciling" and c.status == "True" then
      hs.status = "Progressing"
      hs.message = text(c)
      if ready ~= nil and ready.status ~= "True" then
        hs.message = text(ready) .. " (" .. text(c) .. ")"
      end
      return hs
    end
    if c.type == "Stalled" and c.status == "True" then
      hs.status = "Degraded"
      hs.message = text(c)
      if ready ~= nil and ready.status == "False" then
        hs.message = text(ready)
      end
      return hs
    end
  end
end

local revoked = condition(obj.status, "Revoked")
if revoked ~= nil and revoked.status == "True" then
  local published = condition(obj.status, "RevocationPublished")
  if published == nil or published.status ~= "True" then
    hs.status = "Progressing"
    hs.message = "Revoked; waiting until every trust ConfigMap lists the revocation"
    if published ~= nil then
      hs.message = hs.message .. " (" .. text(published) .. ")"
    end
    return hs
  end
  hs.status = "Suspended"
  hs.message = "Revoked"
  if obj.status.revokedAt ~= nil then
    hs.message = hs.message .. " at " .. obj.status.revokedAt
  end
  if obj.status.revocationReason ~= nil then
    hs.message = hs.message .. ": " .. obj.status.revocationReason
  elseif revoked.message ~= nil then
    hs.message = hs.message .. ": " .. revoked.message
  end
  return hs
end

if ready == nil or ready.status ~= "True" then
  hs.status = "Progressing"
  hs.message = "Waiting for the first token"
  if ready ~= nil then
    hs.message = text(ready)
  end
  return hs
end

hs.status = "Healthy"
hs.message = text(ready)
if revoked ~= nil then
  hs.message = hs.message .. "; " .. text(revoked)
end
return hs
