{{/*
Chart name, overridable by nameOverride. Kubernetes names are limited to 63 characters.
*/}}
{{- define "apitoken-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every resource name: fullnameOverride, else <release>-<chart> unless the release
name already contains the chart name.
*/}}
{{- define "apitoken-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name and version for the helm.sh/chart label.
*/}}
{{- define "apitoken-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels for every object the chart creates.
*/}}
{{- define "apitoken-operator.labels" -}}
{{ include "apitoken-operator.standardLabels" . }}
{{- with include "apitoken-operator.extraLabels" (dict "extra" .Values.commonLabels "base" (include "apitoken-operator.standardLabels" .)) }}
{{ . }}
{{- end }}
{{- end }}

{{/*
The labels the chart itself sets on every object.
*/}}
{{- define "apitoken-operator.standardLabels" -}}
helm.sh/chart: {{ include "apitoken-operator.chart" . }}
{{ include "apitoken-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: apitoken-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the operator pods. Immutable in a Deployment: never add to them.
*/}}
{{- define "apitoken-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apitoken-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The extra labels (a map) without the keys the base labels (YAML) already set, as YAML: no object
carries a key twice (strict YAML parsers reject that, others keep whichever comes last, and the
selector labels could lose). Call with (dict "extra" <map> "base" <labels YAML>).
*/}}
{{- define "apitoken-operator.extraLabels" -}}
{{- $base := fromYaml .base }}
{{- $extra := dict }}
{{- range $key, $value := .extra }}
{{- if not (hasKey $base $key) }}
{{- $_ := set $extra $key $value }}
{{- end }}
{{- end }}
{{- with $extra }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
The ServiceAccount the operator runs as.
*/}}
{{- define "apitoken-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "apitoken-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The container image reference: <repository>@<digest> when a digest is set, else <repository>:<tag>.
*/}}
{{- define "apitoken-operator.image" -}}
{{- include "apitoken-operator.imageReference" (dict "image" .Values.image "global" .Values.global "appVersion" .Chart.AppVersion) }}
{{- end }}

{{/*
An image reference from (dict "image" <repository, tag, digest> "global" .Values.global
"appVersion" ...): <repository>@<digest> when a digest is set, else <repository>:<tag>. With
global.imageRegistry the repository's registry (its first part when that names a host: it holds a
"." or ":", or is localhost) is replaced by that registry, so a mirror keeps the path:
ghcr.io/apitoken-dev/apitoken-operator becomes <imageRegistry>/apitoken-dev/apitoken-operator.
*/}}
{{- define "apitoken-operator.imageReference" -}}
{{- $repository := .image.repository }}
{{- $registry := (.global | default dict).imageRegistry | default "" }}
{{- if $registry }}
{{- $parts := splitList "/" $repository }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq "localhost" $first)) }}
{{- $repository = join "/" (rest $parts) }}
{{- end }}
{{- $repository = printf "%s/%s" (trimSuffix "/" $registry) $repository }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repository .image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .appVersion .image.tag) }}
{{- end }}
{{- end }}

{{/*
imagePullSecrets of every pod the chart runs: global.imagePullSecrets then imagePullSecrets, each
a name or {name: ...}, without duplicates; nothing when both are empty.
*/}}
{{- define "apitoken-operator.imagePullSecrets" -}}
{{- $names := list }}
{{- $global := (.Values.global | default dict).imagePullSecrets | default list }}
{{- range concat $global (.Values.imagePullSecrets | default list) }}
{{- $name := . }}
{{- if kindIs "map" . }}{{ $name = .name }}{{ end }}
{{- if and $name (not (has $name $names)) }}{{ $names = append $names $name }}{{ end }}
{{- end }}
{{- if $names }}
imagePullSecrets:
{{- range $names }}
  - name: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The ConfigMap names the operator may update outside its own namespace, as a JSON list: the trust
copy <trustConfigMapName> and its shards <trustConfigMapName>-1 ... -15.
*/}}
{{- define "apitoken-operator.trustCopyNames" -}}
{{- $names := list .Values.trustConfigMapName }}
{{- range $shard := untilStep 1 16 1 }}
{{- $names = append $names (printf "%s-%d" $.Values.trustConfigMapName $shard) }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/*
Settings that cannot work together; rendered (empty) by deployment.yaml so they fail early.
*/}}
{{/*
The status list URI tokens carry: statusListUri, or the "<release>-status" Service's in-cluster URL
with path /statuslist. That default is on the origin the gateway's --trust-url follows by default,
so the gateway (and any verifier following that Service) fetches the lists tokens name and sees a
revocation within about a second, not only when the kubelet refreshes a mounted ConfigMap.
*/}}
{{- define "apitoken-operator.statusListUri" -}}
{{- .Values.statusListUri | default (printf "%s/statuslist" (include "apitoken-operator.statusServiceUrl" .)) -}}
{{- end }}

{{/*
The in-cluster base URL of the "<release>-status" Service: http://<fullname>-status.<namespace>.svc,
with ":<port>" unless statusList.service.port is 80.
*/}}
{{- define "apitoken-operator.statusServiceUrl" -}}
{{- $port := int .Values.statusList.service.port }}
{{- printf "http://%s-status.%s.svc%s" (include "apitoken-operator.fullname" .) .Release.Namespace (eq $port 80 | ternary "" (printf ":%d" $port)) }}
{{- end }}

{{/*
The path the provider serves shard 0 at: the path of the status list URI.
*/}}
{{- define "apitoken-operator.statusListPath" -}}
{{- (urlParse (include "apitoken-operator.statusListUri" .)).path | default "/" -}}
{{- end }}

{{- define "apitoken-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 requires leaderElection.enabled=true: without a leader every replica would issue tokens and rotate keys" }}
{{- end }}
{{- if eq (int .Values.statusList.port) (int .Values.metrics.port) }}
{{- fail "statusList.port must differ from metrics.port: the Status List provider has a port of its own" }}
{{- end }}
{{- if and .Values.statusList.ingress.enabled (not .Values.statusList.ingress.host) }}
{{- fail "statusList.ingress.enabled=true requires statusList.ingress.host (and statusListUri set to the URL it serves)" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled=true requires metrics.enabled=true (the ServiceMonitor scrapes the metrics Service)" }}
{{- end }}
{{- if and .Values.gateway.enabled (not .Values.gateway.trust.http) (not .Values.gateway.trust.configMap) }}
{{- fail "gateway.enabled=true requires gateway.trust.http or gateway.trust.configMap: without trust the gateway refuses every token" }}
{{- end }}
{{- if and .Values.gateway.enabled .Values.gateway.policy .Values.gateway.policyConfigMap }}
{{- fail "set gateway.policy or gateway.policyConfigMap, not both: the gateway reads one policy file" }}
{{- end }}
{{- end }}

{{/*
Name of the gateway's objects: <fullname>-gateway, within the 63 characters of a Service name.
*/}}
{{- define "apitoken-operator.gateway.fullname" -}}
{{- printf "%s-gateway" (include "apitoken-operator.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/*
Labels that select the gateway pods. A name of its own (<name>-gateway), so that no selector of the
operator (Deployment, Services, PodDisruptionBudget) ever matches a gateway pod, nor the reverse.
*/}}
{{- define "apitoken-operator.gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-gateway" (include "apitoken-operator.name" . | trunc 55 | trimSuffix "-") }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The labels the chart itself sets on every gateway object.
*/}}
{{- define "apitoken-operator.gateway.standardLabels" -}}
helm.sh/chart: {{ include "apitoken-operator.chart" . }}
{{ include "apitoken-operator.gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: gateway
app.kubernetes.io/part-of: apitoken-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels for every gateway object: the standard ones plus commonLabels.
*/}}
{{- define "apitoken-operator.gateway.labels" -}}
{{ include "apitoken-operator.gateway.standardLabels" . }}
{{- with include "apitoken-operator.extraLabels" (dict "extra" .Values.commonLabels "base" (include "apitoken-operator.gateway.standardLabels" .)) }}
{{ . }}
{{- end }}
{{- end }}

{{/*
The gateway image: <repository>@<digest> when a digest is set, else <repository>:<tag>, with
global.imageRegistry as for the operator's image.
*/}}
{{- define "apitoken-operator.gateway.image" -}}
{{- include "apitoken-operator.imageReference" (dict "image" .Values.gateway.image "global" .Values.global "appVersion" .Chart.AppVersion) }}
{{- end }}

{{/*
The Status List provider the gateway follows: gateway.trust.url, else this release's status Service.
*/}}
{{- define "apitoken-operator.gateway.trustUrl" -}}
{{- if .Values.gateway.trust.url }}
{{- .Values.gateway.trust.url }}
{{- else }}
{{- include "apitoken-operator.statusServiceUrl" . }}
{{- end }}
{{- end }}

{{/*
The ConfigMap holding the gateway's policy.yaml, or nothing when the gateway has no policy.
*/}}
{{- define "apitoken-operator.gateway.policyConfigMap" -}}
{{- if .Values.gateway.policyConfigMap }}
{{- .Values.gateway.policyConfigMap }}
{{- else if .Values.gateway.policy }}
{{- include "apitoken-operator.gateway.fullname" . }}-policy
{{- end }}
{{- end }}

{{/*
A duration as the operator and values.schema.json write it (720h, 1h30m, 007s) in whole seconds.
*/}}
{{- define "apitoken-operator.durationSeconds" -}}
{{- $seconds := int64 0 }}
{{- $unit := dict "h" 3600 "m" 60 "s" 1 }}
{{- range $part := regexFindAll "[0-9]+[hms]" . -1 }}
{{- $count := regexFind "^[0-9]+" $part | int64 }}
{{- $seconds = add $seconds (mul $count (get $unit (regexFind "[hms]$" $part))) }}
{{- end }}
{{- $seconds }}
{{- end }}

{{/*
prometheusRule.alertLabels as YAML, without severity (each alert sets its own).
*/}}
{{- define "apitoken-operator.alertLabels" -}}
{{- with omit .Values.prometheusRule.alertLabels "severity" }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
The runbook_url annotation of an alert when prometheusRule.runbookUrl is set. Call with
(dict "root" $ "alert" "<alert name>").
*/}}
{{- define "apitoken-operator.runbookUrl" -}}
{{- with .root.Values.prometheusRule.runbookUrl -}}
runbook_url: {{ printf "%s#%s" . (lower $.alert) | quote }}
{{- end }}
{{- end }}
