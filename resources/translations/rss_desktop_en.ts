<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AppSettings</name>
    <message numerus="yes">
        <source>older than %n week(s)</source>
        <translation><numerusform>older than %n week</numerusform><numerusform>older than %n weeks</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>older than %n day(s)</source>
        <translation><numerusform>older than %n day</numerusform><numerusform>older than %n days</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Older than %n week(s)</source>
        <translation><numerusform>Older than %n week</numerusform><numerusform>Older than %n weeks</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Older than %n day(s)</source>
        <translation><numerusform>Older than %n day</numerusform><numerusform>Older than %n days</numerusform></translation>
    </message>
</context>
<context>
    <name>ArticleController</name>
    <message numerus="yes">
        <source>{name} — %Ln unread</source>
        <translation><numerusform>{name} — %Ln unread</numerusform><numerusform>{name} — %Ln unread</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln matching “{search}”</source>
        <translation><numerusform>%Ln matching “{search}”</numerusform><numerusform>%Ln matching “{search}”</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln+ matching “{search}”</source>
        <translation><numerusform>%Ln+ matching “{search}”</numerusform><numerusform>%Ln+ matching “{search}”</numerusform></translation>
    </message>
</context>
<context>
    <name>ArticleSelection</name>
    <message numerus="yes">
        <source>Mar&amp;k %n selected as read</source>
        <translation><numerusform>Mar&amp;k %n selected as read</numerusform><numerusform>Mar&amp;k %n selected as read</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %n selected as &amp;unread</source>
        <translation><numerusform>Mark %n selected as &amp;unread</numerusform><numerusform>Mark %n selected as &amp;unread</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n selected article(s)</source>
        <translation><numerusform>%n selected article</numerusform><numerusform>%n selected articles</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Marked %n article(s) unread (Ctrl+Z marks them read again)</source>
        <translation><numerusform>Marked %n article unread (Ctrl+Z marks it read again)</numerusform><numerusform>Marked %n articles unread (Ctrl+Z marks them read again)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Marked %n article(s) read again</source>
        <translation><numerusform>Marked %n article read again</numerusform><numerusform>Marked %n articles read again</numerusform></translation>
    </message>
</context>
<context>
    <name>DaysSpinBox</name>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation><numerusform>%n day</numerusform><numerusform>%n days</numerusform></translation>
    </message>
</context>
<context>
    <name>InstanceServer</name>
    <message numerus="yes">
        <source>%n job(s) running here.</source>
        <translation><numerusform>%n job running here.</numerusform><numerusform>%n jobs running here.</numerusform></translation>
    </message>
</context>
<context>
    <name>JobController</name>
    <message numerus="yes">
        <source>Delete %Ln finished job(s) of {user}?</source>
        <translation><numerusform>Delete %Ln finished job of {user}?</numerusform><numerusform>Delete %Ln finished jobs of {user}?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Cleared %Ln finished job(s)</source>
        <translation><numerusform>Cleared %Ln finished job</numerusform><numerusform>Cleared %Ln finished jobs</numerusform></translation>
    </message>
</context>
<context>
    <name>JobsTableModel</name>
    <message numerus="yes">
        <source>{done} of %Ln article(s) checked</source>
        <translation><numerusform>{done} of %Ln article checked</numerusform><numerusform>{done} of %Ln articles checked</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln article(s) checked</source>
        <translation><numerusform>%Ln article checked</numerusform><numerusform>%Ln articles checked</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>{done} of {total} recorded changes gone through; %Ln article(s) made unread again</source>
        <translation><numerusform>{done} of {total} recorded changes gone through; %Ln article made unread again</numerusform><numerusform>{done} of {total} recorded changes gone through; %Ln articles made unread again</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln of the {confirmed} unread articles you confirmed are marked read ({checked}, read or not)</source>
        <translation><numerusform>%Ln of the {confirmed} unread articles you confirmed are marked read ({checked}, read or not)</numerusform><numerusform>%Ln of the {confirmed} unread articles you confirmed are marked read ({checked}, read or not)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>{checked}; %Ln of them were unread and are now read</source>
        <translation><numerusform>{checked}; %Ln of them were unread and are now read</numerusform><numerusform>{checked}; %Ln of them were unread and are now read</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln made unread</source>
        <translation><numerusform>%Ln made unread</numerusform><numerusform>%Ln made unread</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%Ln newly read</source>
        <translation><numerusform>%Ln newly read</numerusform><numerusform>%Ln newly read</numerusform></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>Created %Ln sample article(s)</source>
        <translation><numerusform>Created %Ln sample article</numerusform><numerusform>Created %Ln sample articles</numerusform></translation>
    </message>
</context>
<context>
    <name>MarkReadDialog</name>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read: “{title}” and every article received after it?</source>
        <translation><numerusform>Mark %Ln unread article in {where} as read: “{title}” and every article received after it?</numerusform><numerusform>Mark %Ln unread articles in {where} as read: “{title}” and every article received after it?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read: “{title}” and every article received before it?</source>
        <translation><numerusform>Mark %Ln unread article in {where} as read: “{title}” and every article received before it?</numerusform><numerusform>Mark %Ln unread articles in {where} as read: “{title}” and every article received before it?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln unread article(s) in {where} as read?</source>
        <translation><numerusform>Mark %Ln unread article in {where} as read?</numerusform><numerusform>Mark %Ln unread articles in {where} as read?</numerusform></translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message numerus="yes">
        <source>%n week(s)</source>
        <translation><numerusform>%n week</numerusform><numerusform>%n weeks</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation><numerusform>%n day</numerusform><numerusform>%n days</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation><numerusform>%n hour</numerusform><numerusform>%n hours</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation><numerusform>%n minute</numerusform><numerusform>%n minutes</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation><numerusform>%n second</numerusform><numerusform>%n seconds</numerusform></translation>
    </message>
</context>
<context>
    <name>ScopeTreeModel</name>
    <message numerus="yes">
        <source>%Ln unread</source>
        <translation><numerusform>%Ln unread</numerusform><numerusform>%Ln unread</numerusform></translation>
    </message>
</context>
<context>
    <name>SelectionQuestion</name>
    <message numerus="yes">
        <source>Mark at least %Ln article(s) in {where} as read — the whole list?</source>
        <translation><numerusform>Mark at least %Ln article in {where} as read — the whole list?</numerusform><numerusform>Mark at least %Ln articles in {where} as read — the whole list?</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark %Ln selected article(s) in {where} as read?</source>
        <translation><numerusform>Mark %Ln selected article in {where} as read?</numerusform><numerusform>Mark %Ln selected articles in {where} as read?</numerusform></translation>
    </message>
</context>
<context>
    <name>WindowMenus</name>
    <message numerus="yes">
        <source>Mark older than %n week(s) as read</source>
        <translation><numerusform>Mark older than %n week as read</numerusform><numerusform>Mark older than %n weeks as read</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Mark older than %n day(s) as read</source>
        <translation><numerusform>Mark older than %n day as read</numerusform><numerusform>Mark older than %n days as read</numerusform></translation>
    </message>
</context>
<context>
    <name>WindowMessages</name>
    <message numerus="yes">
        <source>%n job(s) running here: {jobs}.</source>
        <translation><numerusform>%n job running here: {jobs}.</numerusform><numerusform>%n jobs running here: {jobs}.</numerusform></translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message numerus="yes">
        <source>%Ln article(s)</source>
        <translation><numerusform>%Ln article</numerusform><numerusform>%Ln articles</numerusform></translation>
    </message>
</context>
</TS>
