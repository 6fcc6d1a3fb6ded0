package templates

// deskCatalog holds the sentences of the editors' desk, by locale then key.
var deskCatalog = map[string]map[string]string{
	"fr": {
		"desk.name":    "Rédaction",
		"desk.skip":    "Aller au contenu",
		"desk.lang":    "Français",
		"desk.nav":     "Menu de la rédaction",
		"desk.signout": "Se déconnecter",

		"desk.nav.dashboard":   "Tableau de bord",
		"desk.nav.subscribers": "Lecteurs",
		"desk.nav.runs":        "Envois",
		"desk.nav.preview":     "Aperçu",
		"desk.nav.articles":    "Articles",
		"desk.nav.feeds":       "Flux",
		"desk.nav.import":      "Import",
		"desk.nav.audit":       "Journal",

		"desk.err.session": "Votre session a expiré. Reconnectez-vous, puis recommencez.",

		"desk.login.title":    "Connexion à la rédaction",
		"desk.login.email":    "Adresse e-mail",
		"desk.login.password": "Mot de passe",
		"desk.login.submit":   "Se connecter",
		"desk.login.wrong":    "Adresse ou mot de passe incorrect.",
		"desk.login.limited":  "Trop de tentatives de connexion. Réessayez dans quinze minutes.",
		"desk.login.hint":     "Les comptes se créent sur le serveur\u00a0: caravan editors add ADRESSE.",

		"desk.done.signout": "Vous êtes déconnecté.",

		"desk.audit.title":          "Journal des actions",
		"desk.audit.lead":           "Chaque action de la rédaction, la plus récente en premier. Après un effacement, l’adresse n’y figure plus que sous forme d’empreinte.",
		"desk.audit.at":             "Date",
		"desk.audit.editor":         "Qui",
		"desk.audit.action":         "Action",
		"desk.audit.subject":        "Qui ou quoi",
		"desk.audit.detail":         "Détail",
		"desk.audit.none":           "Aucune action enregistrée pour l’instant.",
		"desk.older":                "Plus anciens",
		"desk.action.signin":        "connexion",
		"desk.action.editor.add":    "compte créé",
		"desk.action.editor.remove": "compte supprimé",
	},
	"en": {
		"desk.name":    "Newsroom",
		"desk.skip":    "Skip to content",
		"desk.lang":    "English",
		"desk.nav":     "Newsroom menu",
		"desk.signout": "Sign out",

		"desk.nav.dashboard":   "Dashboard",
		"desk.nav.subscribers": "Readers",
		"desk.nav.runs":        "Runs",
		"desk.nav.preview":     "Preview",
		"desk.nav.articles":    "Articles",
		"desk.nav.feeds":       "Feeds",
		"desk.nav.import":      "Import",
		"desk.nav.audit":       "Audit log",

		"desk.err.session": "Your session has expired. Sign in again, then try again.",

		"desk.login.title":    "Sign in to the newsroom",
		"desk.login.email":    "E-mail address",
		"desk.login.password": "Password",
		"desk.login.submit":   "Sign in",
		"desk.login.wrong":    "Wrong address or password.",
		"desk.login.limited":  "Too many sign-in attempts. Try again in fifteen minutes.",
		"desk.login.hint":     "Accounts are made on the server: caravan editors add ADDRESS.",

		"desk.done.signout": "You are signed out.",

		"desk.audit.title":          "Audit log",
		"desk.audit.lead":           "Every action of the newsroom, the latest first. Once a reader is erased, their address shows only as a hash.",
		"desk.audit.at":             "When",
		"desk.audit.editor":         "Who",
		"desk.audit.action":         "Action",
		"desk.audit.subject":        "Whom or what",
		"desk.audit.detail":         "Detail",
		"desk.audit.none":           "No action recorded yet.",
		"desk.older":                "Older",
		"desk.action.signin":        "signed in",
		"desk.action.editor.add":    "account created",
		"desk.action.editor.remove": "account removed",
	},
}
