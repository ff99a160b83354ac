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
