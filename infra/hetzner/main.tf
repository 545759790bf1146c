# OpenTofu (or Terraform) configuration for one Hetzner Cloud server running the stack: the server, its data
# Volume, a Cloud Firewall, and cloud-init.yaml as user data. docs/deploy.md: "Provisioning with OpenTofu".
#   export HCLOUD_TOKEN=...        (Cloud Console > project > Security > API tokens, read & write)
#   tofu init && tofu apply -var domain=explorer.example.org -var repo_url=https://... -var ssh_public_key_file=~/.ssh/id_ed25519.pub
# State holds no secret of the stack (user data has none), but keep it private: it has the server's addresses.

terraform {
  required_version = ">= 1.6"
  required_providers {
    hcloud = {
      source  = "hetznercloud/hcloud"
      version = "~> 1.49"
    }
  }
}

variable "domain" {
  description = "Public name of the service; point its A/AAAA records at the outputs below."
  type        = string
}
variable "acme_email" {
  description = "Address Let's Encrypt writes to about the certificate."
  type        = string
}
variable "repo_url" {
  description = "Git URL of this repository, cloned on the server."
  type        = string
}
variable "git_ref" {
  description = "Branch, tag or commit to deploy."
  type        = string
  default     = "main"
}
variable "ssh_public_key_file" {
  description = "Public key allowed to log in as root."
  type        = string
}
variable "admin_cidrs" {
  description = "Addresses allowed to reach SSH (narrow it to your own)."
  type        = list(string)
  default     = ["0.0.0.0/0", "::/0"]
}
variable "server_type" {
  description = "CCX23: 4 dedicated vCPU, 16 GB (docs/deploy.md, Sizing); CPX31 for a smaller budget."
  type        = string
  default     = "ccx23"
}
variable "location" {
  type    = string
  default = "fsn1"
}
variable "volume_size_gb" {
  description = "Parquet data grows ~25-30 GB a month; resize online later."
  type        = number
  default     = 200
}

resource "hcloud_ssh_key" "admin" {
  name       = "bsky-explorer-admin"
  public_key = file(var.ssh_public_key_file)
}

resource "hcloud_volume" "data" {
  name     = "bsky-explorer-data"
  size     = var.volume_size_gb
  location = var.location
  format   = "ext4"
  # The data outlives the server: destroying the volume needs this flag removed first.
  delete_protection = true
  lifecycle {
    prevent_destroy = true
  }
}

resource "hcloud_firewall" "web" {
  name = "bsky-explorer"
  rule {
    direction  = "in"
    protocol   = "tcp"
    port       = "22"
    source_ips = var.admin_cidrs
  }
  rule {
    direction  = "in"
    protocol   = "tcp"
    port       = "80"
    source_ips = ["0.0.0.0/0", "::/0"]
  }
  rule {
    direction  = "in"
    protocol   = "tcp"
    port       = "443"
    source_ips = ["0.0.0.0/0", "::/0"]
  }
}

resource "hcloud_server" "app" {
  name         = "bsky-explorer"
  server_type  = var.server_type
  image        = "debian-12"
  location     = var.location
  ssh_keys     = [hcloud_ssh_key.admin.id]
  firewall_ids = [hcloud_firewall.web.id]
  user_data = templatefile("${path.module}/cloud-init.yaml", {
    domain        = var.domain
    acme_email    = var.acme_email
    repo_url      = var.repo_url
    git_ref       = var.git_ref
    volume_device = hcloud_volume.data.linux_device
  })
  # A new user_data would mean a new server; changes after the first boot go through git and docker-compose.
  lifecycle {
    ignore_changes = [user_data]
  }
}

resource "hcloud_volume_attachment" "data" {
  volume_id = hcloud_volume.data.id
  server_id = hcloud_server.app.id
  automount = false
}

output "ipv4" {
  value = hcloud_server.app.ipv4_address
}
output "ipv6" {
  value = hcloud_server.app.ipv6_address
}
output "next" {
  value = "DNS ${var.domain} -> ${hcloud_server.app.ipv4_address}; then: ssh root@${hcloud_server.app.ipv4_address} bsky-explorer-secrets < secrets.env"
}
