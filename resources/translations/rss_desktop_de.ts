<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AgeInput</name>
    <message>
        <source>Unit</source>
        <translation>Einheit</translation>
    </message>
</context>
<context>
    <name>AppSettings</name>
    <message numerus="yes">
        <source>older than %n week(s)</source>
        <translation><numerusform>älter als %n Woche</numerusform><numerusform>älter als %n Wochen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>older than %n day(s)</source>
        <translation><numerusform>älter als %n Tag</numerusform><numerusform>älter als %n Tage</numerusform></translation>
    </message>
    <message>
        <source>Any age</source>
        <translation>Jedes Alter</translation>
    </message>
    <message numerus="yes">
        <source>Older than %n week(s)</source>
        <translation><numerusform>Älter als %n Woche</numerusform><numerusform>Älter als %n Wochen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Older than %n day(s)</source>
        <translation><numerusform>Älter als %n Tag</numerusform><numerusform>Älter als %n Tage</numerusform></translation>
    </message>
</context>
<context>
    <name>ArticleController</name>
    <message>
        <source>&amp;Open in browser</source>
        <translation>Im &amp;Browser öffnen</translation>
    </message>
    <message>
        <source>Open the article&apos;s link in the browser and mark it read (Enter or Space)</source>
        <translation>Den Link des Artikels im Browser öffnen und den Artikel als gelesen markieren (Eingabe oder Leertaste)</translation>
    </message>
    <message>
        <source>&amp;Copy link</source>
        <translation>&amp;Link kopieren</translation>
    </message>
    <message>
        <source>Copy the article&apos;s link</source>
        <translation>Den Link des Artikels kopieren</translation>
    </message>
    <message>
        <source>Mark as &amp;read</source>
        <translation>Als &amp;gelesen markieren</translation>
    </message>
    <message>
        <source>Mark the article read or unread (M)</source>
        <translation>Den Artikel als gelesen oder ungelesen markieren (M)</translation>
    </message>
    <message>
        <source>&amp;Star</source>
        <translation>Mit &amp;Stern markieren</translation>
    </message>
    <message>
        <source>Star or unstar the article (S)</source>
        <translation>Stern beim Artikel setzen oder entfernen (S)</translation>
    </message>
    <message>
        <source>Mark this and everything older as read…</source>
        <translation>Diesen und alle älteren als gelesen markieren …</translation>
    </message>
    <message>
        <source>Mark this article and every article of the list&apos;s scope received before it as read, as one job</source>
        <translation>Diesen Artikel und jeden Artikel der Liste, der vor ihm empfangen wurde, in einem Auftrag als gelesen markieren</translation>
    </message>
    <message>
        <source>&amp;Search articles</source>
        <translation>Artikel &amp;suchen</translation>
    </message>
    <message>
        <source>Show &amp;read articles</source>
        <translation>&amp;Gelesene Artikel anzeigen</translation>
    </message>
    <message>
        <source>Articles</source>
        <translation>Artikel</translation>
    </message>
    <message>
        <source>Select a category or a feed to see its articles.</source>
        <translation>Wählen Sie eine Kategorie oder einen Feed, um die Artikel zu sehen.</translation>
    </message>
    <message numerus="yes">
        <source>{name} — %Ln unread</source>
        <translation><numerusform>{name} – %Ln ungelesen</numerusform><numerusform>{name} – %Ln ungelesen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln matching “{search}”</source>
        <translation><numerusform>%Ln Treffer für „{search}“</numerusform><numerusform>%Ln Treffer für „{search}“</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln+ matching “{search}”</source>
        <translation><numerusform>%Ln+ Treffer für „{search}“</numerusform><numerusform>%Ln+ Treffer für „{search}“</numerusform></translation>
    </message>
    <message>
        <source>No unread article in {name} matches “{search}”.</source>
        <translation>Kein ungelesener Artikel in {name} passt zu „{search}“.</translation>
    </message>
    <message>
        <source>No article in {name} matches “{search}”.</source>
        <translation>Kein Artikel in {name} passt zu „{search}“.</translation>
    </message>
    <message>
        <source>Nothing unread in {name}.</source>
        <translation>In {name} ist nichts ungelesen.</translation>
    </message>
    <message>
        <source>No articles in {name} yet.</source>
        <translation>In {name} gibt es noch keine Artikel.</translation>
    </message>
    <message>
        <source>Searching {name}…</source>
        <translation>{name} wird durchsucht …</translation>
    </message>
    <message>
        <source>Mark as &amp;unread</source>
        <translation>Als &amp;ungelesen markieren</translation>
    </message>
    <message>
        <source>Un&amp;star</source>
        <translation>&amp;Stern entfernen</translation>
    </message>
    <message>
        <source>Mark this and everything older in {name} as read…</source>
        <translation>Diesen und alle älteren in {name} als gelesen markieren …</translation>
    </message>
    <message>
        <source>“{title}” has no web link to open ({link})</source>
        <translation>„{title}“ hat keinen Weblink, der sich öffnen ließe ({link})</translation>
    </message>
    <message>
        <source>“{title}” has no web link to open</source>
        <translation>„{title}“ hat keinen Weblink, der sich öffnen ließe</translation>
    </message>
    <message>
        <source>No browser could open {link}</source>
        <translation>Kein Browser konnte {link} öffnen</translation>
    </message>
    <message>
        <source>Opened {link}</source>
        <translation>{link} geöffnet</translation>
    </message>
    <message>
        <source>Copied {link}</source>
        <translation>{link} kopiert</translation>
    </message>
    <message>
        <source>“{title}” was not changed: {reason}</source>
        <translation>„{title}“ wurde nicht geändert: {reason}</translation>
    </message>
</context>
<context>
    <name>ArticleListModel</name>
    <message>
        <source>Starred (S, or click the star)</source>
        <translation>Mit Stern (S oder Klick auf den Stern)</translation>
    </message>
    <message>
        <source>When the feed says the article was published</source>
        <translation>Wann der Artikel laut Feed veröffentlicht wurde</translation>
    </message>
    <message>
        <source>When the reader received the article: the list&apos;s order (click to reverse), and the order &apos;Mark this and everything older&apos; follows</source>
        <translation>Wann der Feedreader den Artikel empfangen hat: die Reihenfolge der Liste (Klick kehrt sie um), nach der sich auch „Diesen und alle älteren“ richtet</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Feed</source>
        <translation>Feed</translation>
    </message>
    <message>
        <source>Published</source>
        <translation>Veröffentlicht</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>{title}, unread, starred</source>
        <translation>{title}, ungelesen, mit Stern</translation>
    </message>
    <message>
        <source>{title}, read, starred</source>
        <translation>{title}, gelesen, mit Stern</translation>
    </message>
    <message>
        <source>{title}, unread</source>
        <translation>{title}, ungelesen</translation>
    </message>
    <message>
        <source>{title}, read</source>
        <translation>{title}, gelesen</translation>
    </message>
    <message>
        <source>Starred</source>
        <translation>Mit Stern</translation>
    </message>
    <message>
        <source>Not starred</source>
        <translation>Ohne Stern</translation>
    </message>
    <message>
        <source>(deleted)</source>
        <translation>(gelöscht)</translation>
    </message>
    <message>
        <source>(no title)</source>
        <translation>(ohne Titel)</translation>
    </message>
    <message>
        <source>This article was deleted after the list was read</source>
        <translation>Dieser Artikel wurde gelöscht, nachdem die Liste gelesen wurde</translation>
    </message>
    <message>
        <source>Starred (S unstars)</source>
        <translation>Mit Stern (S entfernt ihn)</translation>
    </message>
    <message>
        <source>Not starred (S stars)</source>
        <translation>Ohne Stern (S setzt ihn)</translation>
    </message>
    <message>
        <source>Published {time}</source>
        <translation>Veröffentlicht {time}</translation>
    </message>
    <message>
        <source>Published: not known</source>
        <translation>Veröffentlicht: unbekannt</translation>
    </message>
    <message>
        <source>Received {time}</source>
        <translation>Empfangen {time}</translation>
    </message>
    <message>
        <source>Received: not known</source>
        <translation>Empfangen: unbekannt</translation>
    </message>
</context>
<context>
    <name>ArticlePane</name>
    <message>
        <source>Search titles (Ctrl+Shift+F)</source>
        <translation>Titel durchsuchen (Strg+Umschalt+F)</translation>
    </message>
    <message>
        <source>Search titles</source>
        <translation>Titel durchsuchen</translation>
    </message>
    <message>
        <source>New articles: show them</source>
        <translation>Neue Artikel: anzeigen</translation>
    </message>
    <message>
        <source>Articles arrived after this list was read (F5 also shows them)</source>
        <translation>Nach dem Lesen dieser Liste sind Artikel eingetroffen (F5 zeigt sie auch)</translation>
    </message>
    <message>
        <source>Search article titles</source>
        <translation>Artikeltitel durchsuchen</translation>
    </message>
    <message>
        <source>Show read</source>
        <translation>Gelesene zeigen</translation>
    </message>
    <message>
        <source>List read articles too, not only unread ones</source>
        <translation>Auch gelesene Artikel auflisten, nicht nur ungelesene</translation>
    </message>
    <message>
        <source>Show read articles</source>
        <translation>Gelesene Artikel anzeigen</translation>
    </message>
</context>
<context>
    <name>ArticleSelection</name>
    <message>
        <source>Mar&amp;k selected as read</source>
        <translation>Ausgewählte als gelesen mar&amp;kieren</translation>
    </message>
    <message>
        <source>Mark every selected article read as one job (Shift+M; Ctrl+A selects the whole list)</source>
        <translation>Alle ausgewählten Artikel in einem Auftrag als gelesen markieren (Umschalt+M; Strg+A wählt die ganze Liste)</translation>
    </message>
    <message>
        <source>Mark selected as &amp;unread</source>
        <translation>Ausgewählte als &amp;ungelesen markieren</translation>
    </message>
    <message>
        <source>Mark the selected articles unread (Shift+U; at most {limit} at a time; Ctrl+Z marks them read again)</source>
        <translation>Die ausgewählten Artikel als ungelesen markieren (Umschalt+U; höchstens {limit} auf einmal; Strg+Z markiert sie wieder als gelesen)</translation>
    </message>
    <message>
        <source>Mark this article and every article of the list&apos;s scope received after it as read, as one job</source>
        <translation>Diesen Artikel und alle danach eingegangenen Artikel des Listenbereichs in einem Auftrag als gelesen markieren</translation>
    </message>
    <message>
        <source>Mark the search results as read</source>
        <translation>Suchergebnisse als gelesen markieren</translation>
    </message>
    <message>
        <source>Mark every article the search matches as read, as one job (articles arriving later are left unread)</source>
        <translation>Alle Artikel, die die Suche findet, in einem Auftrag als gelesen markieren (später eingehende Artikel bleiben ungelesen)</translation>
    </message>
    <message>
        <source>&amp;Next unread</source>
        <translation>&amp;Nächster ungelesener</translation>
    </message>
    <message>
        <source>Go to the next unread article, in the next feed with unread articles once this one is done (N)</source>
        <translation>Zum nächsten ungelesenen Artikel springen – ist dieser Feed erledigt, in den nächsten Feed mit ungelesenen Artikeln (N)</translation>
    </message>
    <message>
        <source>Open or next unread</source>
        <translation>Öffnen oder nächster ungelesener</translation>
    </message>
    <message>
        <source>Mar&amp;k the whole list as read</source>
        <translation>Die ganze Liste als gelesen mar&amp;kieren</translation>
    </message>
    <message numerus="yes">
        <source>Mar&amp;k %n selected as read</source>
        <translation><numerusform>%n ausgewählten als gelesen mar&amp;kieren</numerusform><numerusform>%n ausgewählte als gelesen mar&amp;kieren</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %n selected as &amp;unread</source>
        <translation><numerusform>%n ausgewählten als &amp;ungelesen markieren</numerusform><numerusform>%n ausgewählte als &amp;ungelesen markieren</numerusform></translation>
    </message>
    <message>
        <source>Mark this and everything newer as read…</source>
        <translation>Diesen und alle neueren als gelesen markieren …</translation>
    </message>
    <message>
        <source>Mark this and everything newer in {scope} as read…</source>
        <translation>Diesen und alle neueren in {scope} als gelesen markieren …</translation>
    </message>
    <message>
        <source>the whole list of {scope}</source>
        <translation>die ganze Liste von {scope}</translation>
    </message>
    <message>
        <source>Too many separate articles are selected for one job (more than {limit}): select a block with Shift, or a feed</source>
        <translation>Für einen Auftrag sind zu viele einzelne Artikel ausgewählt (mehr als {limit}): Wählen Sie mit Umschalt einen zusammenhängenden Block oder einen Feed</translation>
    </message>
    <message numerus="yes">
        <source>%n selected article(s)</source>
        <translation><numerusform>%n ausgewählter Artikel</numerusform><numerusform>%n ausgewählte Artikel</numerusform></translation>
    </message>
    <message>
        <source>Mark unread works on at most {limit} articles at a time</source>
        <translation>„Als ungelesen markieren“ wirkt auf höchstens {limit} Artikel auf einmal</translation>
    </message>
    <message numerus="yes">
        <source>Marked %n article(s) unread (Ctrl+Z marks them read again)</source>
        <translation><numerusform>%n Artikel als ungelesen markiert (Strg+Z markiert ihn wieder als gelesen)</numerusform><numerusform>%n Artikel als ungelesen markiert (Strg+Z markiert sie wieder als gelesen)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Marked %n article(s) read again</source>
        <translation><numerusform>%n Artikel wieder als gelesen markiert</numerusform><numerusform>%n Artikel wieder als gelesen markiert</numerusform></translation>
    </message>
    <message>
        <source>{scope} from “{title}” on</source>
        <translation>{scope} ab „{title}“</translation>
    </message>
    <message>
        <source>what “{search}” matches in {scope}</source>
        <translation>die Treffer für „{search}“ in {scope}</translation>
    </message>
    <message>
        <source>Cannot mark as read</source>
        <translation>Kann nicht als gelesen markiert werden</translation>
    </message>
    <message>
        <source>Job {job}: marking {what} as read…</source>
        <translation>Auftrag {job}: {what} wird als gelesen markiert …</translation>
    </message>
    <message>
        <source>No unread article left</source>
        <translation>Kein ungelesener Artikel mehr</translation>
    </message>
</context>
<context>
    <name>ArticleView</name>
    <message>
        <source>Articles</source>
        <translation>Artikel</translation>
    </message>
</context>
<context>
    <name>ConnectDialog</name>
    <message>
        <source>Connect to server</source>
        <translation>Mit Server verbinden</translation>
    </message>
    <message>
        <source>Host name or address; a postgresql:// URL pasted here fills in every field</source>
        <translation>Hostname oder Adresse; eine hier eingefügte postgresql://-URL füllt alle Felder aus</translation>
    </message>
    <message>
        <source>the reader&apos;s database, e.g. reader</source>
        <translation>die Datenbank des Feedreaders, z. B. reader</translation>
    </message>
    <message>
        <source>from ~/.pgpass or PGPASSWORD if empty</source>
        <translation>aus ~/.pgpass oder PGPASSWORD, wenn leer</translation>
    </message>
    <message>
        <source>&amp;Host:</source>
        <translation>&amp;Host:</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>&amp;Benutzer:</translation>
    </message>
    <message>
        <source>&amp;Database:</source>
        <translation>&amp;Datenbank:</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Datenbank</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>The password is used for this session only and is never saved. To connect without typing it, put it in ~/.pgpass (one line host:port:database:user:password, the file readable only by you) or in PGPASSWORD. Leave the field empty to use those.</source>
        <translation>Das Passwort gilt nur für diese Sitzung und wird nie gespeichert. Um sich ohne Eingabe zu verbinden, tragen Sie es in ~/.pgpass ein (eine Zeile host:port:database:user:password, die Datei nur für Sie lesbar) oder setzen Sie PGPASSWORD. Lassen Sie das Feld dann leer.</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <source>Connecting to {server}…</source>
        <translation>Verbindung zu {server} wird hergestellt …</translation>
    </message>
</context>
<context>
    <name>DatabaseController</name>
    <message>
        <source>Open the reader&apos;s database</source>
        <translation>Datenbank des Feedreaders öffnen</translation>
    </message>
    <message>
        <source>{database}: the server asks for a password</source>
        <translation>{database}: Der Server verlangt ein Passwort</translation>
    </message>
    <message>
        <source>The server asks for a password to open</source>
        <translation>Der Server verlangt ein Passwort zum Öffnen von</translation>
    </message>
    <message>
        <source>Cannot open database</source>
        <translation>Datenbank kann nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Create a new database there?</source>
        <translation>Dort eine neue Datenbank anlegen?</translation>
    </message>
    <message>
        <source>Create a demo database</source>
        <translation>Demo-Datenbank anlegen</translation>
    </message>
    <message>
        <source>Creating a demo database at {path}…</source>
        <translation>Demo-Datenbank wird unter {path} angelegt …</translation>
    </message>
    <message>
        <source>Cannot create a demo database</source>
        <translation>Demo-Datenbank kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>{database} — RSS Desktop Companion</source>
        <translation>{database} – RSS Desktop Companion</translation>
    </message>
    <message>
        <source>Opened {database}</source>
        <translation>{database} geöffnet</translation>
    </message>
    <message>
        <source> (a rollback journal, not WAL: the web server&apos;s reads wait while a chunk commits, so chunks are kept short)</source>
        <translation> (Rollback-Journal statt WAL: Die Lesezugriffe des Webservers warten, solange ein Abschnitt geschrieben wird, daher bleiben die Abschnitte kurz)</translation>
    </message>
    <message>
        <source>Database damaged</source>
        <translation>Datenbank beschädigt</translation>
    </message>
    <message>
        <source>{database}: the server refused the login: the password is wrong, or the user does not exist.</source>
        <translation>{database}: Der Server hat die Anmeldung abgelehnt: Das Passwort ist falsch oder den Benutzer gibt es nicht.</translation>
    </message>
    <message>
        <source>{database}: the server asks for a password: type it above (or put it in ~/.pgpass).</source>
        <translation>{database}: Der Server verlangt ein Passwort: Geben Sie es oben ein (oder tragen Sie es in ~/.pgpass ein).</translation>
    </message>
</context>
<context>
    <name>DaysSpinBox</name>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation><numerusform>%n Tag</numerusform><numerusform>%n Tage</numerusform></translation>
    </message>
</context>
<context>
    <name>EditUndo</name>
    <message>
        <source>&amp;Undo last mark as read</source>
        <translation>Letzte Markierung als gelesen &amp;rückgängig machen</translation>
    </message>
    <message>
        <source>&amp;Undo typing</source>
        <translation>Eingabe &amp;rückgängig machen</translation>
    </message>
</context>
<context>
    <name>EmptyState</name>
    <message>
        <source>Create sample data</source>
        <translation>Beispieldaten anlegen</translation>
    </message>
    <message>
        <source>Create a demo database…</source>
        <translation>Demo-Datenbank anlegen …</translation>
    </message>
    <message>
        <source>Create a demo database</source>
        <translation>Demo-Datenbank anlegen</translation>
    </message>
    <message>
        <source>Open database…</source>
        <translation>Datenbank öffnen …</translation>
    </message>
    <message>
        <source>Open database</source>
        <translation>Datenbank öffnen</translation>
    </message>
    <message>
        <source>Connect to server…</source>
        <translation>Mit Server verbinden …</translation>
    </message>
    <message>
        <source>Connect to server</source>
        <translation>Mit Server verbinden</translation>
    </message>
    <message>
        <source>No database is open.</source>
        <translation>Es ist keine Datenbank geöffnet.</translation>
    </message>
    <message>
        <source>Open your reader&apos;s database, or create a demo database to try the app.</source>
        <translation>Öffnen Sie die Datenbank Ihres Feedreaders oder legen Sie eine Demo-Datenbank an, um die App auszuprobieren.</translation>
    </message>
</context>
<context>
    <name>FeedPane</name>
    <message>
        <source>Filter feeds (Ctrl+F)</source>
        <translation>Feeds filtern (Strg+F)</translation>
    </message>
    <message>
        <source>Filter feeds by name</source>
        <translation>Feeds nach Namen filtern</translation>
    </message>
    <message>
        <source>Categories and feeds</source>
        <translation>Kategorien und Feeds</translation>
    </message>
</context>
<context>
    <name>InstanceServer</name>
    <message>
        <source>RSS Desktop Companion was asked to open {database}.</source>
        <translation>RSS Desktop Companion soll {database} öffnen.</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running here.</source>
        <translation><numerusform>Hier läuft %n Auftrag.</numerusform><numerusform>Hier laufen %n Aufträge.</numerusform></translation>
    </message>
    <message>
        <source>Open another database while a job runs</source>
        <translation>Andere Datenbank öffnen, während ein Auftrag läuft</translation>
    </message>
    <message>
        <source>Opening it pauses them after their current chunk; the work done is kept. They go on from where they stopped the next time this database is opened.</source>
        <translation>Beim Öffnen halten sie nach ihrem aktuellen Abschnitt an; die erledigte Arbeit bleibt erhalten. Sie machen dort weiter, wo sie aufgehört haben, sobald diese Datenbank wieder geöffnet wird.</translation>
    </message>
    <message>
        <source>Open and pause</source>
        <translation>Öffnen und anhalten</translation>
    </message>
    <message>
        <source>Keep this one</source>
        <translation>Diese behalten</translation>
    </message>
</context>
<context>
    <name>JobAnnouncer</name>
    <message>
        <source>Job {0} stopped: {1}</source>
        <translation>Auftrag {0} angehalten: {1}</translation>
    </message>
    <message>
        <source>Job {0} resumed at {1} percent: {2}</source>
        <translation>Auftrag {0} bei {1} Prozent fortgesetzt: {2}</translation>
    </message>
    <message>
        <source>Job {0} started: {1}</source>
        <translation>Auftrag {0} gestartet: {1}</translation>
    </message>
    <message>
        <source>Job {0} started: marking {1} as read</source>
        <translation>Auftrag {0} gestartet: {1} wird als gelesen markiert</translation>
    </message>
    <message>
        <source>Job {0}: {1} percent</source>
        <translation>Auftrag {0}: {1} Prozent</translation>
    </message>
    <message>
        <source>Job {0} finished: {1}, {2} made unread again</source>
        <translation>Auftrag {0} abgeschlossen: {1}, {2} wieder als ungelesen markiert</translation>
    </message>
    <message>
        <source>Job {0} finished: {1}, {2} marked read</source>
        <translation>Auftrag {0} abgeschlossen: {1}, {2} als gelesen markiert</translation>
    </message>
    <message>
        <source>Job {0} cancelled at {1} percent; the work done is kept</source>
        <translation>Auftrag {0} bei {1} Prozent abgebrochen; das bereits Erledigte bleibt erhalten</translation>
    </message>
    <message>
        <source>Job {0} failed: {1}</source>
        <translation>Auftrag {0} fehlgeschlagen: {1}</translation>
    </message>
</context>
<context>
    <name>JobController</name>
    <message>
        <source>{where} ({age})</source>
        <translation>{where} ({age})</translation>
    </message>
    <message>
        <source>{where} up to article #{id}</source>
        <translation>{where} bis Artikel Nr. {id}</translation>
    </message>
    <message>
        <source>Nothing unread in {where}: no job started</source>
        <translation>In {where} ist nichts ungelesen: Kein Auftrag gestartet</translation>
    </message>
    <message>
        <source>Cannot mark as read</source>
        <translation>Als gelesen markieren nicht möglich</translation>
    </message>
    <message>
        <source>{where} from article #{id} on</source>
        <translation>{where} ab Artikel Nr. {id}</translation>
    </message>
    <message>
        <source>Job {job}: marking {where} as read…</source>
        <translation>Auftrag {job}: {where} wird als gelesen markiert …</translation>
    </message>
    <message>
        <source>Job {job} cancelled; the work done is kept</source>
        <translation>Auftrag {job} abgebrochen; die erledigte Arbeit bleibt erhalten</translation>
    </message>
    <message>
        <source>Job {job} retried from {progress}</source>
        <translation>Auftrag {job} ab {progress} wiederholt</translation>
    </message>
    <message>
        <source>Job {job}: undoing job {undone}…</source>
        <translation>Auftrag {job}: Auftrag {undone} wird rückgängig gemacht …</translation>
    </message>
    <message>
        <source>Nothing to undo: no finished mark-as-read job is left that can be undone</source>
        <translation>Nichts rückgängig zu machen: Es gibt keinen abgeschlossenen Auftrag zum Markieren als gelesen mehr, der sich rückgängig machen ließe</translation>
    </message>
    <message>
        <source>No finished jobs to clear</source>
        <translation>Keine abgeschlossenen Aufträge zum Löschen</translation>
    </message>
    <message>
        <source>Clear finished jobs</source>
        <translation>Abgeschlossene Aufträge löschen</translation>
    </message>
    <message numerus="yes">
        <source>Delete %Ln finished job(s) of {user}?</source>
        <translation><numerusform>%Ln abgeschlossenen Auftrag von {user} löschen?</numerusform><numerusform>%Ln abgeschlossene Aufträge von {user} löschen?</numerusform></translation>
    </message>
    <message>
        <source>Their undo records are deleted with them: they can no longer be undone. Articles stay as they are.</source>
        <translation>Ihre Aufzeichnungen zum Rückgängigmachen werden mitgelöscht: Sie lassen sich dann nicht mehr rückgängig machen. Die Artikel bleiben, wie sie sind.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message numerus="yes">
        <source>Cleared %Ln finished job(s)</source>
        <translation><numerusform>%Ln abgeschlossener Auftrag gelöscht</numerusform><numerusform>%Ln abgeschlossene Aufträge gelöscht</numerusform></translation>
    </message>
    <message>
        <source>{job} (job {id}) resumed at {progress}</source>
        <translation>{job} (Auftrag {id}) bei {progress} fortgesetzt</translation>
    </message>
    <message>
        <source>RSS Desktop Companion</source>
        <translation>RSS Desktop Companion</translation>
    </message>
    <message>
        <source>{job} (job {id})</source>
        <translation>{job} (Auftrag {id})</translation>
    </message>
    <message>
        <source>{where}: done, {articles} made unread again</source>
        <translation>{where}: fertig, {articles} wieder als ungelesen markiert</translation>
    </message>
    <message>
        <source>{where}: done, {articles} marked read</source>
        <translation>{where}: fertig, {articles} als gelesen markiert</translation>
    </message>
    <message>
        <source>{where}: failed — {reason}</source>
        <translation>{where}: fehlgeschlagen – {reason}</translation>
    </message>
    <message>
        <source>{where}: {status} at {progress}; the work done is kept</source>
        <translation>{where}: {status} bei {progress}; die erledigte Arbeit bleibt erhalten</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>Filter jobs by status</source>
        <translation>Aufträge nach Status filtern</translation>
    </message>
    <message>
        <source>All jobs</source>
        <translation>Alle Aufträge</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
    <message>
        <source>Show jobs</source>
        <translation>Aufträge anzeigen</translation>
    </message>
    <message>
        <source>&amp;Cancel job</source>
        <translation>Auftrag &amp;abbrechen</translation>
    </message>
    <message>
        <source>&amp;Retry job</source>
        <translation>Auftrag &amp;wiederholen</translation>
    </message>
    <message>
        <source>Run the selected failed or cancelled job again from where it stopped (Ctrl+Shift+R)</source>
        <translation>Den gewählten fehlgeschlagenen oder abgebrochenen Auftrag dort fortsetzen, wo er aufgehört hat (Strg+Umschalt+R)</translation>
    </message>
    <message>
        <source>&amp;Undo job</source>
        <translation>Auftrag &amp;rückgängig machen</translation>
    </message>
    <message>
        <source>Make the articles the selected job marked read unread again (Ctrl+Shift+Z)</source>
        <translation>Die Artikel, die der gewählte Auftrag als gelesen markiert hat, wieder als ungelesen markieren (Strg+Umschalt+Z)</translation>
    </message>
    <message>
        <source>C&amp;lear finished jobs…</source>
        <translation>Abgeschlossene Aufträge &amp;löschen …</translation>
    </message>
    <message>
        <source>Delete the finished jobs of this user, with their undo records (asks first)</source>
        <translation>Die abgeschlossenen Aufträge dieses Benutzers samt ihren Aufzeichnungen zum Rückgängigmachen löschen (mit Rückfrage)</translation>
    </message>
    <message>
        <source>Job actions</source>
        <translation>Auftragsaktionen</translation>
    </message>
    <message>
        <source>Cancel the selected job; the work done is kept (Delete)</source>
        <translation>Den gewählten Auftrag abbrechen; die erledigte Arbeit bleibt erhalten (Entf)</translation>
    </message>
    <message>
        <source>No jobs yet. Select a category or feed and use Mark all as read (Ctrl+R).</source>
        <translation>Noch keine Aufträge. Wählen Sie eine Kategorie oder einen Feed und dann „Alle als gelesen markieren“ (Strg+R).</translation>
    </message>
    <message>
        <source>No pending jobs.</source>
        <translation>Keine wartenden Aufträge.</translation>
    </message>
    <message>
        <source>No running jobs.</source>
        <translation>Keine laufenden Aufträge.</translation>
    </message>
    <message>
        <source>No completed jobs.</source>
        <translation>Keine abgeschlossenen Aufträge.</translation>
    </message>
    <message>
        <source>No failed jobs.</source>
        <translation>Keine fehlgeschlagenen Aufträge.</translation>
    </message>
    <message>
        <source>No cancelled jobs.</source>
        <translation>Keine abgebrochenen Aufträge.</translation>
    </message>
    <message>
        <source>The web server runs this job and does not stop for a cancel from here</source>
        <translation>Diesen Auftrag führt der Webserver aus; er lässt sich von hier aus nicht abbrechen</translation>
    </message>
</context>
<context>
    <name>JobsTableModel</name>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Tempo</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>{done} of {total}  ({percent}%)</source>
        <translation>{done} von {total}  ({percent}&#xa0;%)</translation>
    </message>
    <message>
        <source>counting…</source>
        <translation>wird gezählt …</translation>
    </message>
    <message>
        <source>counting</source>
        <translation>wird gezählt</translation>
    </message>
    <message>
        <source>{0} percent, {1} of {2}</source>
        <translation>{0} Prozent, {1} von {2}</translation>
    </message>
    <message numerus="yes">
        <source>{done} of %Ln article(s) checked</source>
        <translation><numerusform>{done} von %Ln Artikel geprüft</numerusform><numerusform>{done} von %Ln Artikeln geprüft</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln article(s) checked</source>
        <translation><numerusform>%Ln Artikel geprüft</numerusform><numerusform>%Ln Artikel geprüft</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>{done} of {total} recorded changes gone through; %Ln article(s) made unread again</source>
        <translation><numerusform>{done} von {total} aufgezeichneten Änderungen abgearbeitet; %Ln Artikel wieder als ungelesen markiert</numerusform><numerusform>{done} von {total} aufgezeichneten Änderungen abgearbeitet; %Ln Artikel wieder als ungelesen markiert</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln of the {confirmed} unread articles you confirmed are marked read ({checked}, read or not)</source>
        <translation><numerusform>%Ln der {confirmed} ungelesenen Artikel, die Sie bestätigt haben, ist als gelesen markiert ({checked}, gelesen oder nicht)</numerusform><numerusform>%Ln der {confirmed} ungelesenen Artikel, die Sie bestätigt haben, sind als gelesen markiert ({checked}, gelesen oder nicht)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>{checked}; %Ln of them were unread and are now read</source>
        <translation><numerusform>{checked}; davon war %Ln ungelesen und ist jetzt gelesen</numerusform><numerusform>{checked}; davon waren %Ln ungelesen und sind jetzt gelesen</numerusform></translation>
    </message>
    <message>
        <source>The job&apos;s id (the command line and messages name jobs by it)</source>
        <translation>Die Nummer des Auftrags (unter ihr nennen ihn die Kommandozeile und die Meldungen)</translation>
    </message>
    <message>
        <source>Started {time}</source>
        <translation>Begonnen {time}</translation>
    </message>
    <message>
        <source>Finished {time}</source>
        <translation>Beendet {time}</translation>
    </message>
    <message>
        <source>Job {id}: {job}</source>
        <translation>Auftrag {id}: {job}</translation>
    </message>
    <message>
        <source>{rate}: recorded changes a second over the last few seconds</source>
        <translation>{rate}: aufgezeichnete Änderungen pro Sekunde in den letzten Sekunden</translation>
    </message>
    <message>
        <source>{rate}: articles checked a second over the last few seconds</source>
        <translation>{rate}: geprüfte Artikel pro Sekunde in den letzten Sekunden</translation>
    </message>
    <message>
        <source>{rate}/s</source>
        <translation>{rate}/s</translation>
    </message>
    <message>
        <source>{rate}, {time} left</source>
        <translation>{rate}, noch {time}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln made unread</source>
        <translation><numerusform>%Ln wieder ungelesen</numerusform><numerusform>%Ln wieder ungelesen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln newly read</source>
        <translation><numerusform>%Ln neu gelesen</numerusform><numerusform>%Ln neu gelesen</numerusform></translation>
    </message>
    <message>
        <source>being undone by job {job}…</source>
        <translation>wird von Auftrag {job} rückgängig gemacht …</translation>
    </message>
    <message>
        <source>not undone: its undo, job {job}, was cancelled before it began (retry that job to undo)</source>
        <translation>nicht rückgängig gemacht: Auftrag {job}, der es rückgängig machen sollte, wurde vor Beginn abgebrochen (wiederholen Sie ihn)</translation>
    </message>
    <message>
        <source>not undone: its undo, job {job}, failed before it began (retry that job to undo)</source>
        <translation>nicht rückgängig gemacht: Auftrag {job}, der es rückgängig machen sollte, ist vor Beginn fehlgeschlagen (wiederholen Sie ihn)</translation>
    </message>
    <message>
        <source>partly undone: job {job} was cancelled (retry it to finish)</source>
        <translation>teilweise rückgängig gemacht: Auftrag {job} wurde abgebrochen (zum Abschließen wiederholen)</translation>
    </message>
    <message>
        <source>partly undone: job {job} failed (retry it to finish)</source>
        <translation>teilweise rückgängig gemacht: Auftrag {job} ist fehlgeschlagen (zum Abschließen wiederholen)</translation>
    </message>
    <message>
        <source>undone by job {job}</source>
        <translation>rückgängig gemacht von Auftrag {job}</translation>
    </message>
    <message>
        <source>{type} (unreadable parameters)</source>
        <translation>{type} (unlesbare Parameter)</translation>
    </message>
    <message>
        <source> (article #{id} and newer)</source>
        <translation> (Artikel #{id} und neuere)</translation>
    </message>
    <message>
        <source> (article #{id})</source>
        <translation> (Artikel #{id})</translation>
    </message>
    <message>
        <source> (selected articles)</source>
        <translation> (ausgewählte Artikel)</translation>
    </message>
    <message>
        <source> (titles matching “{text}”)</source>
        <translation> (Titel passend zu „{text}“)</translation>
    </message>
    <message>
        <source>Rule &quot;{name}&quot;: {job}</source>
        <translation>Regel „{name}“: {job}</translation>
    </message>
    <message>
        <source>Category: {name}</source>
        <translation>Kategorie: {name}</translation>
    </message>
    <message>
        <source>Feed: {name}</source>
        <translation>Feed: {name}</translation>
    </message>
    <message>
        <source>All articles</source>
        <translation>Alle Artikel</translation>
    </message>
    <message>
        <source>Undo of job {job}</source>
        <translation>Rückgängigmachen von Auftrag {job}</translation>
    </message>
    <message>
        <source> (before {time})</source>
        <translation> (vor {time})</translation>
    </message>
    <message>
        <source> (published before {time})</source>
        <translation> (veröffentlicht vor {time})</translation>
    </message>
    <message>
        <source> (article #{id} and older)</source>
        <translation> (Artikel Nr. {id} und ältere)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>RSS Desktop Companion</source>
        <translation>RSS Desktop Companion</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>No database open</source>
        <translation>Keine Datenbank geöffnet</translation>
    </message>
    <message>
        <source>{database} has no users or feeds yet.</source>
        <translation>{database} hat noch keine Benutzer oder Feeds.</translation>
    </message>
    <message>
        <source>The reader&apos;s web server adds them; or open another database.</source>
        <translation>Der Webserver des Feedreaders legt sie an; oder öffnen Sie eine andere Datenbank.</translation>
    </message>
    <message>
        <source>Create sample data to try the app, or open your reader&apos;s database.</source>
        <translation>Legen Sie Beispieldaten an, um die App auszuprobieren, oder öffnen Sie die Datenbank Ihres Feedreaders.</translation>
    </message>
    <message>
        <source>Creating sample data…</source>
        <translation>Beispieldaten werden angelegt …</translation>
    </message>
    <message numerus="yes">
        <source>Created %Ln sample article(s)</source>
        <translation><numerusform>%Ln Beispielartikel angelegt</numerusform><numerusform>%Ln Beispielartikel angelegt</numerusform></translation>
    </message>
    <message>
        <source>Lost the connection to {database}; trying again… ({reason})</source>
        <translation>Verbindung zu {database} verloren; neuer Versuch … ({reason})</translation>
    </message>
</context>
<context>
    <name>MarkReadDialog</name>
    <message>
        <source>Mark as read</source>
        <translation>Als gelesen markieren</translation>
    </message>
    <message>
        <source>Only articles older than</source>
        <translation>Nur Artikel älter als</translation>
    </message>
    <message>
        <source>By publication date (articles without one count by arrival)</source>
        <translation>Nach Veröffentlichungsdatum (Artikel ohne Datum zählen nach Eingang)</translation>
    </message>
    <message>
        <source>Don&apos;t ask again (Edit › Preferences turns it back on)</source>
        <translation>Nicht mehr fragen (Bearbeiten › Einstellungen schaltet es wieder ein)</translation>
    </message>
    <message>
        <source>Articles:</source>
        <translation>Artikel:</translation>
    </message>
    <message>
        <source>all feeds</source>
        <translation>allen Feeds</translation>
    </message>
    <message>
        <source>{where} ({age}, by publication date)</source>
        <translation>{where} ({age}, nach Veröffentlichungsdatum)</translation>
    </message>
    <message>
        <source>{where} ({age})</source>
        <translation>{where} ({age})</translation>
    </message>
    <message>
        <source>Counting unread articles in {where}…</source>
        <translation>Ungelesene Artikel in {where} werden gezählt …</translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read: “{title}” and every article received after it?</source>
        <translation><numerusform>%Ln ungelesenen Artikel in {where} als gelesen markieren: „{title}“ und jeden danach empfangenen Artikel?</numerusform><numerusform>%Ln ungelesene Artikel in {where} als gelesen markieren: „{title}“ und jeden danach empfangenen Artikel?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read: “{title}” and every article received before it?</source>
        <translation><numerusform>%Ln ungelesenen Artikel in {where} als gelesen markieren: „{title}“ und jeden vorher empfangenen Artikel?</numerusform><numerusform>%Ln ungelesene Artikel in {where} als gelesen markieren: „{title}“ und jeden vorher empfangenen Artikel?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read?</source>
        <translation><numerusform>%Ln ungelesenen Artikel in {where} als gelesen markieren?</numerusform><numerusform>%Ln ungelesene Artikel in {where} als gelesen markieren?</numerusform></translation>
    </message>
    <message>
        <source>Nothing unread in {where} from “{title}” on: there is nothing to mark as read.</source>
        <translation>In {where} ist ab „{title}“ nichts ungelesen: Es gibt nichts als gelesen zu markieren.</translation>
    </message>
    <message>
        <source>Nothing unread in {where} up to “{title}”: there is nothing to mark as read.</source>
        <translation>In {where} ist bis „{title}“ nichts ungelesen: Es gibt nichts als gelesen zu markieren.</translation>
    </message>
    <message>
        <source>Nothing unread in {where}: there is nothing to mark as read.</source>
        <translation>In {where} ist nichts ungelesen: Es gibt nichts als gelesen zu markieren.</translation>
    </message>
    <message>
        <source>⚠ The web server is marking some of these articles read right now (job {jobs}). Running both at once can make its job fail.</source>
        <translation>⚠ Der Webserver markiert gerade einige dieser Artikel als gelesen (Auftrag {jobs}). Laufen beide gleichzeitig, kann sein Auftrag fehlschlagen.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>NameOnlyIconProvider</name>
    <message>
        <source>SQLite database</source>
        <translation>SQLite-Datenbank</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite *.sqlite3)</source>
        <translation>SQLite-Datenbanken (*.db *.sqlite *.sqlite3)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Ask before marking as read</source>
        <translation>Vor dem Markieren als gelesen nachfragen</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keins</translation>
    </message>
    <message>
        <source>Also offer: older than this many days</source>
        <translation>Zusätzlich anbieten: älter als so viele Tage</translation>
    </message>
    <message>
        <source>The age the confirmation starts with</source>
        <translation>Das Alter, mit dem die Rückfrage beginnt</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Als gelesen markieren</translation>
    </message>
    <message>
        <source>Also offer older than:</source>
        <translation>Zusätzlich älter als:</translation>
    </message>
    <message>
        <source>Start with:</source>
        <translation>Beginnen mit:</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Keep finished jobs for this many days</source>
        <translation>Abgeschlossene Aufträge so viele Tage aufbewahren</translation>
    </message>
    <message>
        <source>Ask before closing while a job runs</source>
        <translation>Vor dem Schließen nachfragen, während ein Auftrag läuft</translation>
    </message>
    <message>
        <source>User and jobs</source>
        <translation>Benutzer und Aufträge</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Keep finished jobs:</source>
        <translation>Abgeschlossene Aufträge aufbewahren:</translation>
    </message>
    <message>
        <source>Older finished jobs and their undo records are deleted when this app next runs a job. The command line and rss-desktop work keep them 24 hours unless told otherwise (--keep-hours).</source>
        <translation>Ältere abgeschlossene Aufträge und ihre Aufzeichnungen zum Rückgängigmachen werden gelöscht, wenn diese App das nächste Mal einen Auftrag ausführt. Die Kommandozeile und rss-desktop work bewahren sie 24 Stunden auf, sofern nicht anders angegeben (--keep-hours).</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Fenster</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>A new language is used when the app next starts.</source>
        <translation>Eine neue Sprache gilt ab dem nächsten Start der App.</translation>
    </message>
</context>
<context>
    <name>RuleEditor</name>
    <message>
        <source>Edit rule</source>
        <translation>Regel bearbeiten</translation>
    </message>
    <message>
        <source>New rule</source>
        <translation>Neue Regel</translation>
    </message>
    <message>
        <source>Named after its scope and age</source>
        <translation>Nach Bereich und Alter benannt</translation>
    </message>
    <message>
        <source>By publication date (articles without one count by arrival)</source>
        <translation>Nach Veröffentlichungsdatum (Artikel ohne Datum zählen nach Eingang)</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Daily at</source>
        <translation>Täglich um</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Mark read in:</source>
        <translation>Als gelesen markieren in:</translation>
    </message>
    <message>
        <source>Articles older than:</source>
        <translation>Artikel älter als:</translation>
    </message>
    <message>
        <source>Run:</source>
        <translation>Ausführen:</translation>
    </message>
    <message>
        <source>{scope} older than {age}</source>
        <translation>{scope} älter als {age}</translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message numerus="yes">
        <source>%n week(s)</source>
        <translation><numerusform>%n Woche</numerusform><numerusform>%n Wochen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation><numerusform>%n Tag</numerusform><numerusform>%n Tage</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation><numerusform>%n Stunde</numerusform><numerusform>%n Stunden</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation><numerusform>%n Minute</numerusform><numerusform>%n Minuten</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation><numerusform>%n Sekunde</numerusform><numerusform>%n Sekunden</numerusform></translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Regeln</translation>
    </message>
    <message>
        <source>Rules mark a scope&apos;s old articles read on a schedule, as ordinary jobs you can cancel and undo. They run while this window or rss-desktop work is running.</source>
        <translation>Regeln markieren die alten Artikel eines Bereichs nach Zeitplan als gelesen – als gewöhnliche Aufträge, die Sie abbrechen und rückgängig machen können. Sie laufen, solange dieses Fenster oder „rss-desktop work“ läuft.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Bereich</translation>
    </message>
    <message>
        <source>Older than</source>
        <translation>Älter als</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>Last run</source>
        <translation>Zuletzt ausgeführt</translation>
    </message>
    <message>
        <source>Next run</source>
        <translation>Nächste Ausführung</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Hinzufügen …</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>Run &amp;now</source>
        <translation>&amp;Jetzt ausführen</translation>
    </message>
    <message>
        <source>All articles</source>
        <translation>Alle Artikel</translation>
    </message>
    <message>
        <source>Category: {name}</source>
        <translation>Kategorie: {name}</translation>
    </message>
    <message>
        <source>Feed: {name}</source>
        <translation>Feed: {name}</translation>
    </message>
    <message>
        <source>(disabled)</source>
        <translation>(deaktiviert)</translation>
    </message>
    <message>
        <source>{age}, published</source>
        <translation>{age}, nach Veröffentlichung</translation>
    </message>
    <message>
        <source>Daily at {time}</source>
        <translation>Täglich um {time}</translation>
    </message>
    <message>
        <source>Hourly</source>
        <translation>Stündlich</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>Täglich</translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation>Wöchentlich</translation>
    </message>
    <message>
        <source>Every {period}</source>
        <translation>Alle {period}</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>{time} (job {job})</source>
        <translation>{time} (Auftrag {job})</translation>
    </message>
    <message>
        <source>Cannot save the rule</source>
        <translation>Die Regel kann nicht gespeichert werden</translation>
    </message>
    <message>
        <source>Remove rule</source>
        <translation>Regel entfernen</translation>
    </message>
    <message>
        <source>Remove the rule “{name}”? The jobs it ran stay, and can still be undone.</source>
        <translation>Die Regel „{name}“ entfernen? Die Aufträge, die sie ausgeführt hat, bleiben erhalten und können weiterhin rückgängig gemacht werden.</translation>
    </message>
</context>
<context>
    <name>ScopeTreeModel</name>
    <message>
        <source>Category: {name}</source>
        <translation>Kategorie: {name}</translation>
    </message>
    <message>
        <source>Feed: {name}</source>
        <translation>Feed: {name}</translation>
    </message>
    <message>
        <source>All articles</source>
        <translation>Alle Artikel</translation>
    </message>
    <message>
        <source>Uncategorized</source>
        <translation>Ohne Kategorie</translation>
    </message>
    <message>
        <source>Feeds</source>
        <translation>Feeds</translation>
    </message>
    <message>
        <source>Unread</source>
        <translation>Ungelesen</translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread</source>
        <translation><numerusform>%Ln ungelesen</numerusform><numerusform>%Ln ungelesen</numerusform></translation>
    </message>
    <message>
        <source>counting…</source>
        <translation>wird gezählt …</translation>
    </message>
</context>
<context>
    <name>SelectionQuestion</name>
    <message>
        <source>all feeds</source>
        <translation>allen Feeds</translation>
    </message>
    <message numerus="yes">
        <source>Mark at least %Ln article(s) in {where} as read — the whole list?</source>
        <translation><numerusform>Mindestens %Ln Artikel in {where} als gelesen markieren – die ganze Liste?</numerusform><numerusform>Mindestens %Ln Artikel in {where} als gelesen markieren – die ganze Liste?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln selected article(s) in {where} as read?</source>
        <translation><numerusform>%Ln ausgewählten Artikel in {where} als gelesen markieren?</numerusform><numerusform>Die %Ln ausgewählten Artikel in {where} als gelesen markieren?</numerusform></translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Als gelesen markieren</translation>
    </message>
    <message>
        <source>It runs as one job; Ctrl+Z marks them unread again.</source>
        <translation>Das geschieht als ein Auftrag; Strg+Z markiert sie wieder als ungelesen.</translation>
    </message>
</context>
<context>
    <name>UndoOffer</name>
    <message>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <source>Undo the job that just finished</source>
        <translation>Den gerade beendeten Auftrag rückgängig machen</translation>
    </message>
    <message>
        <source>Undo job {job}</source>
        <translation>Auftrag {job} rückgängig machen</translation>
    </message>
</context>
<context>
    <name>WindowMenus</name>
    <message>
        <source>&amp;Mark all as read</source>
        <translation>Alle als gelesen &amp;markieren</translation>
    </message>
    <message>
        <source>&amp;Open database…</source>
        <translation>&amp;Datenbank öffnen …</translation>
    </message>
    <message>
        <source>&amp;Connect to server…</source>
        <translation>Mit Server &amp;verbinden …</translation>
    </message>
    <message>
        <source>Open the reader&apos;s database on a PostgreSQL server</source>
        <translation>Die Datenbank des Feedreaders auf einem PostgreSQL-Server öffnen</translation>
    </message>
    <message>
        <source>Re&amp;fresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Filter feeds</source>
        <translation>&amp;Feeds filtern</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;Hide feeds with nothing unread</source>
        <translation>Feeds ohne Ungelesenes &amp;ausblenden</translation>
    </message>
    <message>
        <source>&amp;About RSS Desktop Companion</source>
        <translation>Ü&amp;ber RSS Desktop Companion</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Hauptleiste</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Fee&amp;ds</source>
        <translation>&amp;Feeds</translation>
    </message>
    <message>
        <source>&amp;Article</source>
        <translation>A&amp;rtikel</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>Auf&amp;träge</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Ages by &amp;publication date</source>
        <translation>Alter nach &amp;Veröffentlichungsdatum</translation>
    </message>
    <message>
        <source>Count “older than” by when articles were published (articles without a publication date count by arrival)</source>
        <translation>„Älter als“ nach dem Veröffentlichungsdatum der Artikel zählen (Artikel ohne Veröffentlichungsdatum zählen nach Eingang)</translation>
    </message>
    <message>
        <source>Mark read &amp;automatically…</source>
        <translation>&amp;Automatisch als gelesen markieren …</translation>
    </message>
    <message>
        <source>R&amp;ules…</source>
        <translation>Re&amp;geln …</translation>
    </message>
    <message>
        <source>Nothing unread in {name}</source>
        <translation>In {name} ist nichts ungelesen</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>none open</source>
        <translation>keine geöffnet</translation>
    </message>
    <message>
        <source>About RSS Desktop Companion</source>
        <translation>Über RSS Desktop Companion</translation>
    </message>
    <message>
        <source>RSS Desktop Companion {version}</source>
        <translation>RSS Desktop Companion {version}</translation>
    </message>
    <message>
        <source>Version {version}</source>
        <translation>Version {version}</translation>
    </message>
    <message>
        <source>Database: {database}</source>
        <translation>Datenbank: {database}</translation>
    </message>
    <message>
        <source>Log file: {path}</source>
        <translation>Protokolldatei: {path}</translation>
    </message>
    <message>
        <source>Marks categories, feeds or everything read on your RSS reader&apos;s shared database (an SQLite file or PostgreSQL), as persisted, chunked, undoable jobs.</source>
        <translation>Markiert Kategorien, Feeds oder alles in der gemeinsamen Datenbank Ihres Feedreaders (einer SQLite-Datei oder PostgreSQL) als gelesen – in gespeicherten, abschnittsweise laufenden Aufträgen, die sich rückgängig machen lassen.</translation>
    </message>
    <message>
        <source>Preferences saved</source>
        <translation>Einstellungen gespeichert</translation>
    </message>
    <message>
        <source>Mark every article of the selected category or feed as read (Ctrl+R)</source>
        <translation>Alle Artikel der gewählten Kategorie oder des gewählten Feeds als gelesen markieren (Strg+R)</translation>
    </message>
    <message numerus="yes">
        <source>Mark older than %n week(s) as read</source>
        <translation><numerusform>Als gelesen markieren: älter als %n Woche</numerusform><numerusform>Als gelesen markieren: älter als %n Wochen</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark older than %n day(s) as read</source>
        <translation><numerusform>Als gelesen markieren: älter als %n Tag</numerusform><numerusform>Als gelesen markieren: älter als %n Tage</numerusform></translation>
    </message>
</context>
<context>
    <name>WindowMessages</name>
    <message>
        <source>Database error</source>
        <translation>Datenbankfehler</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>Etwas ist schiefgegangen</translation>
    </message>
    <message>
        <source>{database} can no longer be used: {reason}.

Its jobs were stopped; every chunk they committed is kept. Reopen it to check it again.</source>
        <translation>{database} kann nicht mehr verwendet werden: {reason}.

Ihre Aufträge wurden angehalten; jeder Abschnitt, den sie geschrieben haben, bleibt erhalten. Öffnen Sie sie erneut, um sie wieder zu prüfen.</translation>
    </message>
    <message>
        <source>{database} failed: {reason}; its jobs were stopped</source>
        <translation>{database} ist ausgefallen: {reason}; ihre Aufträge wurden angehalten</translation>
    </message>
    <message>
        <source>Database failed</source>
        <translation>Datenbank ausgefallen</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>Erneut öffnen</translation>
    </message>
    <message>
        <source>Close while a job runs</source>
        <translation>Schließen, während ein Auftrag läuft</translation>
    </message>
    <message>
        <source>Closing pauses it after its current chunk; the work done is kept. It goes on from where it stopped the next time RSS Desktop Companion opens this database (or `rss-desktop work` runs on it).</source>
        <translation>Beim Schließen hält er nach seinem aktuellen Abschnitt an; die erledigte Arbeit bleibt erhalten. Er macht dort weiter, wo er aufgehört hat, sobald RSS Desktop Companion diese Datenbank wieder öffnet (oder „rss-desktop work“ darauf läuft).</translation>
    </message>
    <message>
        <source>Close and pause</source>
        <translation>Schließen und anhalten</translation>
    </message>
    <message>
        <source>Keep open</source>
        <translation>Geöffnet lassen</translation>
    </message>
    <message>
        <source>Don&apos;t ask again</source>
        <translation>Nicht mehr fragen</translation>
    </message>
    <message>
        <source>{job} (job {id}, {progress})</source>
        <translation>{job} (Auftrag {id}, {progress})</translation>
    </message>
    <message>
        <source>job {id}</source>
        <translation>Auftrag {id}</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running here: {jobs}.</source>
        <translation><numerusform>Hier läuft %n Auftrag: {jobs}.</numerusform><numerusform>Hier laufen %n Aufträge: {jobs}.</numerusform></translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Details were written to {path}.</source>
        <translation>Einzelheiten stehen in {path}.</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>Unerwarteter Fehler</translation>
    </message>
    <message>
        <source>Creating a demo database…</source>
        <translation>Demo-Datenbank wird angelegt …</translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message>
        <source>MMM d</source>
        <translation>d. MMM</translation>
    </message>
    <message>
        <source>yesterday {time}</source>
        <translation>gestern {time}</translation>
    </message>
    <message>
        <source>&lt;1 s</source>
        <translation>&lt;1 s</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} min</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} h {minutes} min</translation>
    </message>
    <message>
        <source>{hours} h</source>
        <translation>{hours} h</translation>
    </message>
    <message numerus="yes">
        <source>%Ln article(s)</source>
        <translation><numerusform>%Ln Artikel</numerusform><numerusform>%Ln Artikel</numerusform></translation>
    </message>
</context>
</TS>
