{{- define "recsys.labels" -}}
app.kubernetes.io/name: recsys
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "recsys.operatorName" -}}{{ printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}

{{- define "recsys.artifactClaim" -}}
{{- if .Values.artifacts.existingClaim -}}{{ .Values.artifacts.existingClaim }}{{- else -}}{{ printf "%s-artifacts" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "recsys.image" -}}
{{- if .digest -}}{{ printf "%s@%s" .repository .digest }}{{- else -}}{{ printf "%s:%s" .repository .tag }}{{- end -}}
{{- end -}}

{{- define "recsys.containerSecurity" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities: { drop: [ALL] }
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{- define "recsys.secretName" -}}
{{- if .Values.security.existingSecret -}}{{ .Values.security.existingSecret }}{{- else -}}{{ printf "%s-keys" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "recsys.eventsName" -}}{{ printf "%s-events" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}

{{- /* An external engine's password is the user's Secret: the chart creates the Secret only for its own engine. */}}
{{- define "recsys.eventStreamSecret" -}}
{{- if and .Values.eventStream.external.url (not .Values.eventStream.existingSecret) -}}
{{- fail "eventStream.external.url needs eventStream.existingSecret: the name of a Secret in this namespace whose key \"password\" holds that server's password (the chart creates a Secret only for the engine it runs itself)" -}}
{{- end -}}
{{- if .Values.eventStream.existingSecret -}}{{ .Values.eventStream.existingSecret }}{{- else -}}{{ printf "%s-event-stream" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- /* The event stream's URL (no password): the external server's, or the StatefulSet's Service in this namespace. */}}
{{- define "recsys.eventStreamUrl" -}}
{{- if .Values.eventStream.external.url -}}{{ .Values.eventStream.external.url }}
{{- else if .Values.eventStream.enabled -}}{{ printf "postgres://%s@%s:%v/%s" .Values.eventStream.user (include "recsys.eventsName" .) .Values.eventStream.port .Values.eventStream.user }}
{{- end -}}
{{- end -}}
