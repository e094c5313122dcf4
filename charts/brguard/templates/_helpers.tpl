{{/* The image every brguard container runs: the chart's appVersion unless image.tag is set. */}}
{{- define "brguard.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* imagePullPolicy, only when set (the cluster's default otherwise). */}}
{{- define "brguard.pullPolicy" -}}
{{- if .Values.image.pullPolicy }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
{{- end }}
{{- end }}

{{/* Labels Helm adds to each object's metadata (never to selectors). */}}
{{- define "brguard.helmLabels" -}}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The certs command: issue or rotate, publish the caBundle; the same for the init Job and the CronJob. */}}
{{- define "brguard.certsArgs" -}}
[certs, rotate, --secret=brguard-webhook-tls, --ca-secret=brguard-ca, --namespace={{ .Release.Namespace }},
 --service=brguard-webhook, --webhook-config=brguard, --probe]
{{- end }}

{{/* The namespaces neither webhook matches: its own (no deadlock on itself) and kube-system. */}}
{{- define "brguard.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: [{{ .Release.Namespace | quote }}, kube-system]
{{- end }}

{{/* The pod and container hardening every brguard workload runs with. */}}
{{- define "brguard.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end }}

{{/*
What a pod pulls with and where it runs: imagePullSecrets (every pod), and a component's nodeSelector, tolerations
and priorityClassName. Called with (dict "root" $ "values" .Values.<component>).
*/}}
{{- define "brguard.podPlacement" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end }}

{{/* A pod template's annotations (a component's podAnnotations), when any are set. */}}
{{- define "brguard.podAnnotations" -}}
{{- with . }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
