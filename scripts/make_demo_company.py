#!/usr/bin/env python3
"""Generate the bundled demo data: the support history of Nettlewick, a fictional company.

Nettlewick is an invented online shop for homeware and gadgets that also sells SIM-only mobile plans
and home broadband. Every phrasing below was written for this project; nothing comes from a dataset,
and all contact details are reserved fictional ones (example.com, 555-01xx, Ofcom drama ranges, test cards).

Run from the repository root; the same seed always gives byte-identical files:

    python scripts/make_demo_company.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMPANY = "Nettlewick"
SEED = 20260314
YEAR = 2026
OUT_DIR = Path(__file__).resolve().parents[1] / "knowledge_base" / "demo"
TEMPLATE_SLOTS = frozenset({"order_id", "email", "date", "amount"})
MULTI_TURN_SHARE, MULTI_INTENT_SHARE, EMAIL_SHARE, UNLABELLED = 0.20, 0.05, 0.25, 15

# "[name slots weight flags]" starts an intent: slots is what the agent asks for when the customer leaves
# it out (order, email, order+email or -); weight is how many conversations the intent leads.
# "?" customer phrasings, "@" agent follow-up questions, "&" customer replies to them (split on " | ").
# "!" a policy answer (also a bot template), "*" an agent-only answer reporting an action on the account;
# indented lines continue an answer, and "*code ..." / "*gift ..." need that detail in the question.
# Customer placeholders: {order} {email} {phone} {card} {day} {amount} {item} {country} {code} {plan} {gift};
# answers use only {order_id} {email} {date} {amount}.
DATA = """
[order_status order 34]
? where is my order {order}? | Hi, can you tell me where my parcel is? I ordered on {day}
? any update on {order}?? | I placed an order on {day} and it still says processing. Is that normal?
? Could you please let me know the status of order {order}? | has my order shipped yet
? my tracking link isn't showing anything for {order} | When will my {item} arrive?
? order {order} - when is it coming | I ordered a {item} last week and haven't heard anything since
? Is there a way to track my order? I can't find a tracking number anywhere | wheres my stuff lol, {order}
? Good afternoon, I would like an update on the delivery of order {order}. | has {order} been dispatched?
? The app has said "preparing your order" for 4 days now. What's going on? | can u check my order status pls
? I need my {item} by the weekend, is it going to get here in time? | how do I find out when my order arrives?
! You can track every order under My Account > Orders > Track parcel. Orders leave our warehouse within 1
  working day, and standard delivery takes 2–4 working days after that.
! Orders are usually dispatched within 1 working day and arrive 2–4 working days later. The live tracking
  link is in your dispatch email and under My Account > Orders.
! Your order {order_id} is on its way and due with you on {date}. You can follow it live under My Account >
  Orders > Track parcel.
* I've checked order {order_id}: it left our warehouse yesterday and is due on {date}. You'll get a text with
  a one-hour delivery window that morning.
[refund_request order 26]
? I returned my {item} two weeks ago and still no refund. Order {order}
? when will I get my money back for {order}?
? Hi, I sent back order {order} on {day}, can you confirm the refund has been processed?
? I'd like a refund please, the {item} isn't what I expected | How long do refunds usually take?
? refund still not showing on my card!! its been 10 days | has my refund gone through yet?
? Could you refund me for order {order}? I was charged {amount} but sent it back | how do i get a refund
? You've got my parcel back (tracking says delivered to you) so where's my refund?
? I was told I would get {amount} back but nothing has arrived in my account
? Refund status for {order} please
? how long until the refund shows on my card? | hi, need a refund for {order} please
? Dear Nettlewick, I am writing to request a refund for order {order}, which I returned on {day}.
? it's been a week since you got my return and no refund yet
? Still waiting on my refund... order number {order}
? Can you check if my refund for {order} has been sent?
! Refunds are issued within 5 working days of your return reaching our warehouse, always to the original
  payment method. Your bank may then take another 3–5 working days to show it.
! Once your return arrives with us, we refund it within 5 working days to the card or account you paid
  with. Banks can take a further 3–5 working days, so allow up to 10 working days in total.
! The refund of {amount} for order {order_id} has been issued to your original payment method and should
  show in your account by {date}.
* I can see the return for order {order_id} has arrived, so I've just issued your refund of {amount}. It
  usually shows within 3–5 working days, so by {date} at the latest.
[return_item order 24]
? How do I return something? | I want to return the {item} I bought, it's not right for me
? can i send back {order}? changed my mind | What's your returns policy?
? Hi, I'd like to return part of order {order}, just the {item} | how long do i have to return stuff
? Do I have to pay for return postage? | where do i get a returns label
? The {item} doesn't match the photos, how can I send it back? | return {order} please, no longer needed
? I'd like to send back the {item}, how does it work? | Hi, how do returns work?
? Is it possible to return an item to one of your showrooms instead of posting it?
? How do I print the return label? I don't have a printer | want to return order {order}, how?
? I received my order on {day}, am I still within the return window? | hi, what's the return address?
? is there a time limit on returns?
! You can return most items within 30 days of delivery, free of charge. Choose "Return an item" under My
  Account > Orders and you'll get a QR code to show at any drop-off point or Nettlewick showroom – there's
  nothing to print.
! Returns are free within 30 days of delivery. Start one from My Account > Orders > Return an item, then
  take the parcel and the QR code we send you to a drop-off point or any of our showrooms. No label or
  printer needed.
! To return order {order_id}, go to My Account > Orders > Return an item. You'll get a QR code for any
  drop-off point or showroom, and we refund you within 5 working days of the item reaching us.
* I've opened a return for order {order_id}. A QR code is on its way to your inbox; show it at any
  drop-off point before {date}, and we'll refund you within 5 working days of receiving the item.
[password_reset email 20]
? I forgot my password | how do I reset my password?
? The reset password email never arrives. I've checked spam. | can't log in, forgot password, help
? Hi, I need to change my password but the link says it has expired | please reset my password, {email}
? Hello, I can't remember the password for my account | forgot pasword again, sorry
? I'd like to reset the password on my account {email} | how do I get a new password for the app?
? how do i change my password | Where's the option to set a new password?
? I keep entering my password and it says incorrect, but I'm sure it's right
? Can you send me a password reset link to {email}? | new phone, don't know my password anymore
? Reset link takes me to an error page | My password hasn't worked since yesterday
? Can you help me reset my password please?
! Tap "Forgot password?" on the sign-in page and enter your account email. We'll send a reset link that
  works for 60 minutes – check your spam folder if it doesn't arrive, and if it has expired, just request
  a new one.
! You can set a new password with the "Forgot password?" link on the sign-in page, in the app or on the
  website. The link we email you is valid for 60 minutes, and only the most recent link works.
* I've just sent a password reset link to {email}. It's valid for 60 minutes, so please use it straight
  away, and check your spam folder if it isn't in your inbox.
* Done – a fresh reset link is on its way to {email}. Older links stop working once a new one is sent,
  so please use this latest one.
[billing_question - 20]
? Why is my bill higher this month? | my bill is {amount} but my plan is only £12, why?
? When is my bill taken each month? | Why was my first bill more than my monthly price?
? Hi, I don't understand the charges on my latest bill | what is the {amount} extra charge on my bill??
? Where can I see my bills? | Could you explain "Out of allowance usage" on my statement?
? Is VAT included in the price of my plan? | my first bill is {amount}, I thought it was cheaper
? Can you explain my bill please | Why does my bill say "pro-rata"?
? I don't recognise a charge on my mobile bill | my bill went up by {amount}??
? Why have I been charged more than usual? | Can I see my old bills online?
? What date does my direct debit come out? | my bill doesn't look right
! Your bill is taken on the day of the month your plan started, and every bill is itemised under My
  Account > Billing. First bills include a part-month (pro-rata) charge, and anything above your plan
  price is usually usage outside your allowance. All prices include VAT.
! You'll find every bill, charge by charge, in My Account > Billing; payment is taken each month on your
  plan's start date. A higher bill usually means usage outside your allowance or, on a first bill, a
  pro-rata part-month. Prices include VAT.
! The {amount} on your bill is your monthly plan plus any usage outside your allowance (or, on a first
  bill, a pro-rata part-month). The full breakdown is under My Account > Billing > View bill.
* I've had a look: the {amount} is your plan plus calls to premium-rate numbers outside your allowance,
  listed under My Account > Billing > View bill. Let me know if any of those calls weren't yours.
[payment_failed - 20]
? My payment keeps getting declined | Why won't my card go through at checkout?
? payment failed but the money has left my account!! | Tried to pay with {card} and it says payment failed
? I get an error at the last step of checkout | Hi, my card was declined but there's plenty of money on it
? Your website won't accept my payment | The 3D Secure window never loads when I pay
? Can I pay with PayPal instead? My card isn't working | payment error code 402 when ordering
? Was I charged? The payment failed but I see {amount} pending in my banking app
? Ordering a {item} and the payment just spins and then fails | card declined x3, what am i doing wrong
? Is there a problem with payments today? Nothing works
? it won't let me pay, keeps saying transaction declined
? Why does it say my billing address doesn't match? | I typed {card} in three times and it keeps failing
? can I just give you my card number? it's {card} exp 12/28
! Payments usually fail when the billing address doesn't match your bank's records or the 3D Secure check
  times out. A failed payment is never charged – a pending amount is a hold your bank releases within
  3–5 working days. You can also pay by PayPal, Apple Pay or Google Pay.
! There's no problem with our payment system at the moment. Please check your billing address matches
  your bank's records and approve the 3D Secure check in your banking app, or try PayPal, Apple Pay or
  Google Pay. Failed payments aren't charged; pending holds drop off within 3–5 working days.
* I can see the attempt of {amount} was declined, so the order wasn't placed and you haven't been charged –
  the pending amount will drop off by {date}. Please check the billing address and try again.
[change_delivery_address order 20]
? Can I change the delivery address on my order? | I put the wrong address on {order}, can you fix it?
? hi i've moved house, need {order} sent to my new address | Is it too late to change where my parcel goes?
? Could you deliver order {order} to my work address instead? | I made a typo in my postcode
? Can I have my parcel delivered to a neighbour? | wrong flat number on my order, help
? I need to update the shipping address for order {order} | Can I change the address after dispatch?
? I won't be home on {day}, can you send it somewhere else? | the address on my order is my old one
? How do I change my delivery address? | Please change the delivery address for {order} to my mum's house
? Could you redirect my delivery to a pickup point? | i ordered to the wrong address by mistake, {order}
? Is it possible to change the address on an order I just placed? | it's going to my billing address, not home
! If your order hasn't been dispatched, you can change the address under My Account > Orders > Edit
  delivery. Once it's with the courier, use the "Change delivery" link in your tracking email to send it
  to a neighbour, a safe place or a pickup point.
! You can edit the delivery address yourself until your order is dispatched (My Account > Orders > Edit
  delivery). After that, the courier's tracking text or email has a "Change delivery" link to redirect
  it to a neighbour, safe place or pickup point.
* Good news – order {order_id} hasn't left our warehouse yet, so you can still edit the address under My
  Account > Orders > Edit delivery until 8pm today. The delivery date stays {date}.
* Order {order_id} has already been dispatched, so we can't change the address any more. Please use the
  "Change delivery" link in the courier's text to redirect it; if that isn't possible, it will come back
  to us and we'll refund you in full.
[delivery_delay order 24]
? My order was supposed to arrive on {day} and it still hasn't come | order {order} is late
? It's been over a week, where is my parcel?? | The courier keeps pushing back the delivery date
? Tracking hasn't updated in 5 days for {order} | Hi, my delivery is late and I needed it for a birthday
? The estimated delivery date has passed. What now? | why is my delivery delayed
? Parcel says "delayed in transit", what does that mean?
? I paid for next day delivery and it's not here. {order}
? Hello, my order {order} should have been here on {day}. Can you find out what is happening?
? still waiting for my {item}, ordered ages ago | The delivery was meant to be today but the driver never came
? is there a delay on deliveries at the moment? | I've been waiting 10 days for {order}, this is ridiculous
? Could you chase the courier for me? Nothing has moved since {day}
? tracking says out for delivery since yesterday
? am i getting my delivery fee back if it's late?
! I'm sorry your order is late. Parcels are sometimes held up at the courier's depot; if yours is more
  than 5 working days past its estimated date, we'll send a replacement or a full refund. If you paid for
  next-day delivery and it arrived late, we refund the delivery charge.
! Sorry for the wait. When tracking stops moving, the parcel is usually waiting at the courier's local
  depot. Once an order is 5 working days late we treat it as lost and offer a replacement or full refund,
  and late next-day deliveries get their delivery charge back.
! Sorry for the delay with {order_id} – the courier's latest estimate is {date}. If it hasn't arrived 5
  working days after that, we'll send a replacement or refund you in full.
* I've checked {order_id}: it's stuck at the courier's local depot, so I've raised a trace and refunded
  your delivery charge. The new delivery date is {date}; I'll email you if that changes.
[cancel_order order 20]
? I want to cancel my order | Can I cancel {order}? I ordered the wrong size
? please cancel order {order} | how do I cancel an order I placed this morning?
? Hi, I accidentally ordered the {item} twice, can you cancel one? | Is it too late to cancel?
? cancel my order pls, found it cheaper elsewhere | Could you cancel order {order} and refund me?
? I'd like to cancel my recent order, I no longer need it | there's no cancel button on my order
? I ordered on {day} but want to cancel, has it shipped yet? | cancel {order} asap please
? Can I cancel just one item from my order? | Hello, how long do I have to cancel an order?
? changed my mind about the {item}, can I cancel? | My order shows "dispatched", can I still cancel it?
? Please stop my order {order} from being sent. | I placed an order by mistake, how do I undo it?
! You can cancel an order, or single items in it, under My Account > Orders > Cancel as long as it
  hasn't been dispatched. If it's already on its way, refuse the delivery or return it free within 30
  days for a full refund.
! Orders can be cancelled from My Account > Orders until they're dispatched – usually within a few hours,
  so it's best to act quickly. Once dispatched, just return it free within 30 days and we'll refund you.
* I've cancelled order {order_id} for you. The {amount} will go back to your original payment method by
  {date} at the latest, and a confirmation email is on its way.
* Unfortunately order {order_id} has already been dispatched, so I can't cancel it. When it arrives you can
  return it free within 30 days from My Account > Orders, and we'll refund you within 5 working days.
[cancel_subscription - 20]
? How do I cancel Nettlewick Plus? | I want to cancel my subscription
? please cancel my membership, I don't use it | Can I cancel my phone plan?
? Hi, how much notice do I need to give to cancel my broadband? | stop charging me for plus!!
? I'd like to end my SIM-only contract | Will I get a refund if I cancel Plus halfway through the year?
? cancel subscription | How do I turn off auto-renew on my membership?
? I'm moving abroad and need to cancel my mobile plan | Is there a fee for cancelling early?
? I signed up for the free trial of Plus, how do I make sure I'm not charged?
? want to leave but keep my number, what do I do | Can I cancel online or do I have to call?
? Please close my Nettlewick Plus membership effective immediately.
? how to unsubscribe from the monthly thing
? I need to cancel my broadband, I'm moving in with my partner
! You can cancel any time under My Account > Subscriptions. Nettlewick Plus runs to the end of the period
  you've paid for and then stops (free trials can be cancelled up to the last day at no charge). Mobile
  and broadband plans are rolling monthly with no exit fee – we just need 30 days' notice.
! There's no cancellation fee for any of our subscriptions: cancel under My Account > Subscriptions. Plus
  stays active until the end of your paid period; mobile and broadband need 30 days' notice, and to keep
  your number, request a PAC code under Subscriptions > Keep my number.
* I've set your subscription to end on {date} – you'll keep everything until then and won't be charged
  again. A confirmation email is on its way.
[opening_hours - 19]
? What are your opening hours? | are you open on sunday
? What time does customer service close? | When can I call you?
? Is the Leeds showroom open on bank holidays? | what time do you open tomorrow
? Hi, what are your hours over Christmas? | are u open now?
? Until what time is the live chat available? | Is your phone line open on Saturdays?
? What time do your showrooms close today? | opening times please
? Are you open on Easter Monday? | How late can I ring your helpline?
? Hello, could you tell me your opening hours for the weekend? | Is anyone around at 7am to help?
? When does the Glasgow store open? | what hours is support available
! Live chat is open 8am–10pm every day. The phone line is open Monday to Friday 9am–6pm and Saturday
  10am–4pm, and showrooms are open Monday to Saturday 9:30am–6pm and Sunday 11am–5pm. On bank holidays
  showrooms open 10am–4pm; they close on 25–26 December and 1 January.
! Our chat team is here 8am–10pm, 7 days a week, and you can phone us weekdays 9am–6pm and Saturdays
  10am–4pm. Showrooms open Monday to Saturday 9:30am–6pm and Sunday 11am–5pm (10am–4pm on bank
  holidays, closed 25–26 December and 1 January).
[talk_to_human - 20 human]
? I want to speak to a real person | can I talk to a human please
? agent | Is this a bot? I'd like to speak to someone
? Please put me through to a manager | human please
? This isn't helping, I need to talk to an actual person | Can someone call me back on {phone}?
? I'd like to make a complaint and speak to a supervisor | representative
? Stop sending me links, let me talk to staff | can a person look at this please
? Connect me to customer service please | I need help from a person, it's complicated
? Can I speak to someone about a complaint? My number is {phone} | going round in circles, real human please
? Hello, is there a person I can speak to? | talk to agent
! Of course – I'm passing you to a member of our customer care team now. The current wait is around 5
  minutes, and they'll see this conversation, so you won't need to repeat yourself.
! No problem, I'll hand you over to one of my colleagues. Please stay in this chat while I connect you –
  if you'd rather we phoned you, just leave your number and a good time to call.
! I understand. I've transferred you to our team and someone will join this chat shortly; they can see
  everything you've told me so far.
[update_email email 19]
? How do I change the email address on my account? | i need to update my email
? Please change my email to {email} | I've lost access to my old email, can you update it?
? Can I change the email I log in with? | my email has changed, the new one is {email}
? Hi, I'd like to update my contact email to {email}, thanks | where do i change my email address
? I'm not getting your emails because my address is out of date | Update email please
? Could you replace the email on my account with {email}? | I can't find where to edit my email in the app
? My work email is on the account and I'm leaving the company, can I switch to a personal one?
? The confirmation email for my new address never came | how do i change my login email
? can I use a different email for my account? | I typed my email wrong when I signed up, can you fix it?
? hello, new email address for my account: {email}
@ Sure – what's the new email address you'd like to use?
@ I can change that for you. What should the new address be?
& {email} | the new one is {email} | please use {email} | {email} thanks
! You can change it under My Account > Settings > Personal details. We'll send a confirmation link to the
  new address and the change takes effect once you click it; your orders and subscriptions stay as they are.
! Go to My Account > Settings > Personal details and enter your new email. The switch happens when you
  click the confirmation link we send to the new address – check your spam folder if it hasn't arrived.
* I've updated your account email to {email}. Please click the confirmation link we've just sent there
  within 24 hours; until then, sign in with your old address.
* Done – your account now uses {email} for sign-in and all order and billing emails. For security we've
  also let your previous address know about the change.
[damaged_item order 20]
? My {item} arrived broken | The box was crushed and the {item} inside is broken
? hi, order {order} came damaged | Item arrived damaged, what do I do?
? The {item} from order {order} has a big scratch on it | Received my parcel today and the glass is smashed
? One of the mugs in the set is chipped | It arrived with a dent in the side, not happy
? Can I get a replacement? My {item} was broken in the post
? parcel was soaking wet and the contents are ruined
? Hello, I'm afraid my order {order} arrived in a poor state – the item is damaged.
? The {item} is missing a part and the casing is cracked | do I need to send back the broken one?
? Everything in the box was smashed, order {order} | Got my {item} today and there's a dent right on the front
? the glass lid of my kettle is cracked straight out of the box | parcel arrived ripped open, item broken
? my {item} came with a crack in it, can I get a new one?
! I'm so sorry your order arrived damaged. Please reply with a photo of the item and its packaging and
  we'll send a free replacement or a full refund, whichever you prefer. You won't need to return it.
! Sorry about that! Send us a photo of the damage (here or under My Account > Orders > Report a problem)
  and we'll arrange a replacement or refund straight away. There's no need to send the broken item back.
* I've arranged a replacement for the damaged item on order {order_id}, sent next-day, so it should be with
  you on {date}. No need to return the broken one – please recycle it safely.
* Apologies, that's not the condition it should have arrived in. I've refunded {amount} for the damaged
  item on order {order_id}; you'll see it within 3–5 working days. No need to send it back.
[wrong_item order 20]
? I got the wrong item | You sent me a {item} but I ordered something completely different
? order {order} has the wrong colour in it | Wrong size delivered, I ordered a large
? hi, the parcel I got isn't mine, it's someone else's order | Received a {item} instead of what I ordered
? The item in the box doesn't match my order confirmation
? I ordered 2 but only got 1 and a random other thing
? Hello, I appear to have been sent the wrong product for order {order}. | wrong item in my delivery, what now
? You've sent me the old model, not the one I paid for | Got the wrong thing AGAIN. {order}
? My order {order} was a {item} but there's something else in the box | it's the wrong colour
? how do I swap an item you sent by mistake? | The label has my name on it but the contents are wrong
? Not what I ordered at all | Ordered the grey one, got the pink one lol
! I'm sorry we sent the wrong item. Please reply with a photo of what you received and its label, and
  we'll dispatch the right one straight away. Return the wrong item free with the QR code under My
  Account > Orders.
! Sorry for the mix-up! Send us a photo of the item and the parcel label and we'll send the correct one by
  next-day delivery. You can return the wrong one free within 30 days using the QR code in My Account.
* I've sent the correct item for order {order_id} by next-day delivery, so it should arrive by {date}.
  We've emailed you a free returns QR code for the wrong item – please drop it off within 30 days.
* Apologies for that. I've arranged a replacement for order {order_id}, due on {date}, and the courier will
  collect the wrong item at the same time, so all you need to do is hand it over.
[discount_code - 20]
? My discount code isn't working | The code {code} says invalid
? How do I use a promo code? | where do I enter a discount code on the app
? I forgot to apply my discount code, can you add it now? | Does {code} work on sale items?
? Can I use two discount codes on one order? | got an email with {code} but it won't apply
? do codes work on sale items?
? The code says expired but the email said it's valid until the end of the month
? code not working on my basket, is it case sensitive? | voucher code not accepted at checkout
? I entered my code but the price didn't change | Hi, {code} gives me an error "minimum spend not reached"
? Why does my discount not apply to the {item}? | Why won't {code} apply to my basket?
? the promo code box has disappeared from checkout | why does it say my code can't be used with these items
! Enter your code in the "Promo code" box on the basket page (in the app, tap "Add code" under the total)
  before you pay. Codes are case-sensitive, only one works per order, and most exclude sale items and gift
  cards. The minimum spend and end date are in the email the code came in.
! Only one discount code can be used per order, and it has to be added before you pay – we can't apply one
  afterwards. Most codes exclude sale items and gift cards and have a minimum spend, shown in the email
  the code came in. Codes are case-sensitive.
*code I've checked that code: it's valid on full-price items only, with a £40 minimum spend before
  delivery. If your basket meets that and it still won't apply, remove it, refresh and enter it again.
[shipping_costs - 19]
? How much is delivery? | Do you do free shipping?
? what's the minimum spend for free delivery | How much does next day delivery cost?
? Why am I being charged £3.95 for delivery? | Hi, is delivery free with Plus?
? How much would it cost to ship a {item}? | do you charge for delivery on big items
? Is there a cheaper delivery option? | What are your delivery charges?
? Can I get free delivery if my order is under £40? | how much is named day delivery
? Do you deliver on Saturdays and how much is it? | postage cost?
? I was charged delivery on an order over £40, why? | shipping fees for the Scottish Highlands?
? How much is click and collect? | how much do you charge for delivery to northern ireland
! Standard delivery (2–4 working days) is £3.95, or free on orders over £40 after discounts. Next day is
  £5.99 if you order by 8pm, named day or Saturday is £6.99, and Click & Collect from a showroom is free.
  Plus members get free next-day delivery, and large items go by two-person delivery for £19.95.
! Our delivery prices: Standard £3.95 (free over £40 after any discounts), Next day £5.99, Named day or
  Saturday £6.99, and free Click & Collect. Large items cost £19.95 for two-person delivery, Plus members
  get next day free, and the same prices apply to the Highlands, islands and Northern Ireland.
[international_shipping - 19]
? Do you ship to {country}? | How much is delivery to {country}?
? Hi, do you deliver internationally? | Will I have to pay customs fees if I order from {country}?
? Can I order from {country} and have it delivered there? | how long does shipping to {country} take
? Do you ship outside the UK? | I live in {country}, can I buy from you?
? do EU orders have customs charges? | will there be import duty on my order to {country}?
? Can I send a gift to my sister in {country}? | international delivery options?
? Does international shipping include tracking? | is it tracked if it goes abroad?
? What countries do you deliver to? | how much to post to {country}
? Can I get my order sent to {country}? | shipping to {country} pls, how much
! We deliver to 32 countries, including the EU, Norway, Switzerland, the US, Canada, Australia and New
  Zealand: £9.95 to Europe (5–7 working days) and £14.95 elsewhere (7–12 working days), always tracked.
  EU prices include import VAT and duties; elsewhere, local import charges may apply on arrival.
! Yes, we ship abroad: £9.95 to Europe and £14.95 to the rest of the world, with full tracking. For EU
  countries, duties and VAT are included at checkout; for the US, Canada, Australia and others, import
  charges may be due on arrival. If a country isn't listed at checkout, we can't deliver there yet.
[gift_card - 19]
? How do I check my gift card balance? | Can I use a gift card online?
? My gift card code {gift} isn't working | Do gift cards expire?
? Hi, I got a Nettlewick gift card for my birthday, how do I use it? | what's the balance on {gift}
? Can I use two gift cards on one order? | how long is a gift card valid for?
? where do I put the gift card code at checkout? | can I use a gift card in the app?
? Can I use a gift card to pay my phone bill? | Is it possible to get cash back for a gift card?
? how much is left on my gift card {gift} | does my gift card run out?
? can I use my gift card in the showroom? | I have a gift card and a discount code, can I use both?
? do gift cards work in your shops? | the gift card didnt cover the full amount, can i pay the rest by card
! Gift cards work online, in the app and in our showrooms for 24 months from purchase. Enter the code and
  PIN in the "Gift card" box at checkout – up to 3 cards per order, alongside a discount code, with any
  remainder paid by card. Balances are at nettlewick.example/giftcards.
! You can use a Nettlewick gift card for 24 months, online or in a showroom, together with a discount code
  and up to 3 cards per order. It can't be exchanged for cash or used for phone or broadband bills. Check
  your balance at nettlewick.example/giftcards.
*gift I've checked that gift card for you: the remaining balance is {amount} and it's valid until {date}.
  Any leftover balance stays on the card for next time.
[account_locked email 19]
? My account is locked | It says too many login attempts, I'm locked out
? I can't get into my account, it says it's been suspended | Hi, please unlock my account {email}
? account locked after I tried my password a few times | Why has my account been blocked?
? I'm locked out and the reset email isn't coming | How long does the lockout last?
? It says "account temporarily locked for your security" | Can you unlock my account? My email is {email}
? I got an email saying there was suspicious activity and now I can't log in | locked out of the app
? Hello, my account has been disabled and I don't know why | unlock account pls, email {email}
? why does it say my account is locked? | I've been locked out for a whole day now
? Help, it won't let me sign in at all, says locked | Someone tried to get into my account and now it's locked
! For your security, accounts lock for 30 minutes after 5 incorrect password attempts. You can then sign
  in again, or use "Forgot password?" to set a new password, which unlocks your account straight away.
! Your account locks for 30 minutes after several wrong passwords or unusual sign-in activity. Resetting
  your password with "Forgot password?" unlocks it immediately; check your spam folder if the email
  doesn't arrive.
* I've verified and unlocked the account for {email}. Please set a new password using the reset link
  we've just sent there – it's valid for 60 minutes.
* I've checked the account for {email}: it was locked after sign-in attempts from an unfamiliar device.
  I've unlocked it and sent a reset link; if it wasn't you, turn on two-step verification in Settings.
[invoice_copy order+email 19]
? Can I get an invoice for my order? | I need a VAT invoice for {order}
? Hi, please send me a copy of the invoice for order {order} | where can i download my receipt
? I need a receipt for my expenses claim | Could you email the invoice for {order} to {email}?
? Can the invoice be made out to my company name? | lost my receipt, need a copy
? How do I get a VAT receipt? | invoice for order {order} please
? I didn't get an invoice with my parcel | Could you resend my order confirmation with the VAT breakdown?
? Please send me invoices for all my orders this year | Need an invoice with our VAT number on it
? Hello, our accounts department requires an itemised invoice for order {order}.
? proof of purchase for warranty, where do I find it? | Is there an invoice I can download?
? where are my invoices in the app
@ Of course – what's the order number, and which email address should I send the invoice to?
@ Happy to. Can you give me the order number and the email you'd like it sent to?
& {order}, and please send it to {email} | It's {order} – {email} please | order {order}, email {email}
! You can download a VAT invoice for any order under My Account > Orders > Invoice once it has been
  dispatched. To add your company name or VAT number, enter them under Settings > Business details and
  the invoice updates.
! Every order has a downloadable VAT invoice under My Account > Orders > Invoice, in the app too. It works
  as proof of purchase and can include your company details if you add them under Settings > Business details.
! The VAT invoice for order {order_id} is under My Account > Orders > Invoice, and we can also email a PDF
  copy to {email}.
* I've emailed a copy of the VAT invoice for order {order_id} to {email}. It should arrive within a few
  minutes – please check your spam folder if you can't see it.
[warranty_claim order 19]
? My {item} stopped working after 3 months, is it under warranty? | how do i make a warranty claim
? The {item} won't turn on anymore, I bought it in January | What's the warranty on electronics?
? Hi, I'd like to claim under warranty for order {order}, the {item} has developed a fault
? My {item} is making a weird noise, can you repair it? | Is the warranty 1 year or 2?
? The {item} broke after 8 months of normal use. What are my options? | my {item} from {order} just died
? warranty claim for {order} please, item is faulty | Do I need the receipt to claim warranty?
? It's just over a year old and has stopped charging. Am I covered? | Can I get a replacement, not a repair?
? The button on my {item} has snapped off, does the warranty cover that? | faulty {item}, bought last spring
? Who do I contact about a faulty product, you or the manufacturer?
? can you fix my {item}? it's only a year old
? Does the warranty cover accidental damage?
! All electrical items come with a 2-year warranty from delivery, covering faults but not accidental
  damage or wear. Start a claim under My Account > Orders > Report a fault with your order number and a
  short description or video of the problem.
! Our 2-year warranty covers faults in electrical items, not accidental damage. Report the fault under My
  Account > Orders – no receipt needed, your order is your proof of purchase – and we'll repair or replace
  the item, or refund it if it can't be fixed.
* I've opened a warranty claim for order {order_id}. A courier will collect the faulty item on {date}; we'll
  repair or replace it within 10 working days, or refund you in full if it can't be fixed.
* As it's within the 2-year warranty, we'll replace it rather than repair it: a replacement for order
  {order_id} arrives on {date}, and the courier will take the faulty one away at the same time.
[store_locations - 19]
? Where are your shops? | Do you have a store in Manchester?
? Is there a Nettlewick showroom near me? | What's the address of your London store?
? Can I see the products in person somewhere? | do you have physical stores
? nearest showroom to Bristol? | Hi, I'm visiting Glasgow next week, where's your store?
? Is there parking at the Leeds showroom? | Can I pick up my order from a store?
? Where can I try the headphones before buying? | do you have a shop in Scotland?
? Are you planning to open a store in Cardiff? | where can I see your products in real life
? Address for the Bristol shop please | Can I buy a SIM card in one of your stores?
? Hello, could you tell me where your nearest store to Birmingham is? | is the london store near the tube
! We have four showrooms: London (Clerkenwell), Leeds, Bristol and Glasgow. Addresses, opening hours,
  parking and directions are at nettlewick.example/stores, and every showroom offers free Click & Collect,
  returns and Nettlewick Mobile SIMs.
! You'll find our showrooms in London, Leeds, Bristol and Glasgow – the store finder at
  nettlewick.example/stores has addresses, parking and public transport details. Each one stocks our most
  popular products to try, plus SIM cards, and you can collect online orders there for free.
[change_plan - 20]
? Can I upgrade my plan? | I'd like to switch to the {plan} plan
? How do I change my mobile plan? | hi, can I move to a cheaper plan?
? I keep running out of data, what are my options? | Can I downgrade from Unlimited to Standard?
? Please change my plan to {plan} from next month | when does a plan change take effect
? Is there a fee to change my plan? | I'd like faster broadband, can I upgrade?
? can u switch me to {plan}, my number is {phone} | switch me to a bigger data plan please
? I want more data but don't want to pay much more | Will changing plan affect my contract?
? Hello, I would like to downgrade my plan as I'm using far less data these days.
? Can I change plan in the app? | upgrade to {plan} pls
? how do I move to unlimited data?
! You can change plan any time under My Account > Subscriptions > Change plan, with no fee and no change
  to your rolling monthly contract. Upgrades start straight away; downgrades start from your next bill.
! Our mobile plans are Lite (5GB, £8), Standard (30GB, £12) and Unlimited (£20) a month, and broadband
  comes as Fibre 150, 500 or 900. Switch any time under My Account > Subscriptions at no cost – upgrades
  apply immediately, downgrades from your next bill.
* I've made that change for you. Upgrades apply straight away, while a downgrade starts from your next
  bill date, {date}. You'll get a text to confirm, and there's no fee.
[data_roaming - 19]
? Can I use my phone in {country}? | Does my plan include roaming?
? how much is data roaming in {country} | I'm going to {country} next week, will my data work?
? My data isn't working abroad | Hi, is roaming included in the EU?
? Do I need to turn anything on before I travel? | How much does it cost to use data in {country}?
? I've just landed in {country} and have no signal | roaming charges?
? Is there a roaming pass for outside Europe? | I got a text saying I've used my roaming allowance
? Can I use my Lite plan abroad? | is roaming free in {country}?
? going on holiday to {country}, anything I need to know about my sim? | How do I turn on data roaming?
? What's the fair use limit for roaming? | roaming isnt working in {country}, phone says no service
! Roaming in the EU and 40 other European destinations is included on Standard and Unlimited, up to 30GB
  a month; on Lite, add a Euro Roam Pass for £2 a day. Elsewhere, the Worldwide Roam Pass is £5 a day.
  Make sure "Data roaming" is switched on in your phone's settings.
! On Standard and Unlimited you can use your allowance in Europe at no extra cost (30GB fair use). Lite
  needs a £2/day Euro Roam Pass, and outside Europe it's £5/day with a Worldwide Roam Pass – add passes
  under My Account > Add-ons. Turn on data roaming in your phone's settings before you travel.
[sim_activation - 19]
? My new SIM isn't working | How do I activate my SIM card?
? I put the SIM in yesterday and still have no service | Hi, how long does it take for the SIM to activate?
? I want to keep my old number, how do I transfer it? | my number transfer hasn't happened yet, it's {phone}
? SIM says "not registered on network" | sim not working after 3 hours
? do I have to register my sim somewhere? | I got my sim today, what do I do now
? Where do I enter my PAC code? | I've got a PAC, can you move my number {phone} over?
? sim card not activated after 2 days | My phone says "SIM not provisioned"
? When will my new number start working? | Can I activate my SIM in the app?
? I think my phone is locked to my old network, will your SIM work?
? temp number still showing, not my old one
! New SIMs activate automatically within 2 hours of going into your phone – restart it after inserting
  the SIM. To keep your old number, enter your PAC code under My Account > Mobile > Keep my number; the
  switch happens the next working day, and you'll have a temporary number until then.
! Put the SIM in and restart your phone: it connects within 2 hours, with nothing to register. Number
  transfers with a PAC code (My Account > Mobile > Keep my number) complete the next working day. If it
  still doesn't work, check the phone isn't locked to your old network.
* I've checked and your SIM is active on our network. Your number transfer is booked for {date}, and you
  may lose service for up to an hour that morning.
[network_issue - 20]
? I have no signal at home | My broadband keeps dropping out
? Is there an outage in my area? | internet not working since this morning
? Calls keep cutting out | My 4G is really slow today
? Hi, my wifi router has a red light | no service on my phone since yesterday
? Mobile data works but I can't make calls | Broadband speed is way below what I pay for
? Is there a network problem in Leeds? | my internet is down AGAIN
? I can't send texts | Signal is terrible in my new flat, can you help?
? The router keeps restarting itself | Hello, is there a known issue with the network today?
? internet down, working from home, need it fixed urgently
? Can you check the line? The broadband light is orange
! Sorry you're having trouble. Please restart your phone, or switch your router off at the plug for 30
  seconds. Live service status for your postcode is at nettlewick.example/status; if there's no outage
  and it still isn't working, let us know and we'll run a line or network test.
! I'm sorry about that. First, restart your phone or router (unplug the router for 30 seconds). You can
  check for outages at nettlewick.example/status – if none is listed and the problem continues, we'll
  test your connection and book an engineer or send a new SIM if needed.
* We're aware of a network issue affecting some customers in your area, and our engineers expect it to
  be fixed by {date}. We'll credit your account automatically for any full day without service.
"""

# Small word lists, "name: item | item | ...": indented lines continue the entry above, "a>b" items are pairs.
WORDS = """
ask_order: I can look into that for you. Could you tell me your order number? It starts with NW and it's in
  your confirmation email. | Sure, what's the order number please? | Happy to help – can I take the order
  number (it looks like NW-123456)? | Of course. Which order is this about? | Could you give me the order
  number from your confirmation email?
ask_email: I can help with that. What's the email address on your account? | Could you confirm the email
  address you use to sign in, please? | No problem – which email address is the account registered to?
reply_order: {order} | it's {order} | Sure, {order} | order number is {order} | {order} I think | Here you go: {order}
  | it's {order}, ordered on {day} | {order} thanks
reply_email: {email} | it's {email} | The account is under {email} | {email} thanks | should be {email}
hold_on: one sec | hang on, let me find it | just a moment | let me check
customer_hi: Hi | Hello there | hello | hey | Hi there | Good morning | Hiya | Hello? | hi, is anyone there?
  | Good afternoon | hi, quick question
agent_hi: Hi, thanks for contacting Nettlewick! How can I help today? | Hi there, how can I help?
  | Hello! You're chatting with {agent}. What can I do for you? | Hello, {agent} here from Nettlewick. What
  can I help you with?
inline_hi: Hi, | Hello, | hi | Hey, | Hello there, | Good morning, | Hiya,
suffixes: Thanks! | thanks | thx | Cheers. | Thanks in advance. | please help
customer_thanks: thanks, bye | Great, thank you! | ok cheers | perfect, thanks | thx | ok | thanks | cool ty
  | Thank you so much for your help. | brilliant, that's all I needed | Thanks, have a good day
  | ok thank you | Lovely, thanks! | That's great, thanks for your help
agent_bye: You're welcome, have a great day! | Happy to help! Take care. | Any time! Have a good one.
  | No problem at all – have a lovely evening. | You're welcome. Thanks for contacting Nettlewick!
anything_else: Is there anything else I can help with today? | Glad I could help. Anything else I can do for you?
customer_no: no that's all, thanks | No, that's everything. Thanks! | nope all good | That's it, thank you
email_thanks: Thank you for the quick reply. | Many thanks, that's sorted it. | Thanks for your help.
card_warning: For your security, please don't share card numbers in chat – I've removed it from our records,
  and we'll never ask for it here.
second_lead: Also, | One more thing – | Oh and | Another question: | While I'm here, | also
pairs: order_status>shipping_costs | order_status>change_delivery_address | return_item>refund_request
  | password_reset>update_email | change_plan>data_roaming | cancel_order>refund_request
  | damaged_item>invoice_copy | delivery_delay>cancel_order | gift_card>discount_code
  | account_locked>password_reset | billing_question>change_plan | wrong_item>return_item
  | store_locations>opening_hours | sim_activation>data_roaming | warranty_claim>invoice_copy
  | network_issue>billing_question | international_shipping>shipping_costs | cancel_subscription>billing_question
agents: Sam | Priya | Tom | Aisha | Marta | Jonah | Kemi | Lewis | Nadia | Rory
first: alex | sam | jo | priya | tom | hannah | kwame | li | marta | dan | ellie | omar | ruth | ben | chloe
  | ravi | niamh | george | ada | felix
last: morgan | patel | evans | okafor | nowak | reid | chen | hughes | ali | kerr | doyle | brooks
item: kettle | desk lamp | bluetooth speaker | air fryer | coffee grinder | toaster | smart plug | blender
  | wireless earbuds | bedside clock | phone charger | wall mirror | table lamp | hand mixer
country: France | Spain | Germany | Ireland | Italy | Portugal | the Netherlands | Greece | the US | Canada
  | Australia | Norway
code: SPRING15 | WELCOME10 | NW20OFF | FREESHIP | summer10 | PLUS25
plan: Lite | Standard | Unlimited | Fibre 500 | Fibre 900
card: 4111 1111 1111 1111 | 5555 5555 5555 4444
typos: receive>recieve | address>adress | definitely>definately | because>becuase | please>pls | order>oder
  | delivery>delivey | password>passwrod | account>acount | tomorrow>tommorow | refund>refnd | until>untill
  | wrong>wrnog | there>thier
date_days: refund_request>3-6 | cancel_order>3-6 | network_issue>1-2 | gift_card>200-700 | return_item>10-14
  | cancel_subscription>25-31 | change_plan>5-28
amounts: billing_question>14-58 | gift_card>5-100 | payment_failed>12-240
"""


def parse_words(text: str) -> dict[str, list[str]]:
    entries = re.split(r"\n(?=\S)", text.strip())
    pairs = (entry.split(": ", 1) for entry in entries)
    return {name: " ".join(body.split()).split(" | ") for name, body in pairs}


def pairs(items: list[str]) -> dict[str, str]:
    return dict(item.split(">") for item in items)


def day_range(text: str) -> tuple[int, int]:
    low, high = text.split("-")
    return int(low), int(high)


W = parse_words(WORDS)
TYPOS = pairs(W["typos"])
DATE_DAYS = {name: day_range(days) for name, days in pairs(W["date_days"]).items()}
AMOUNTS = {name: day_range(pounds) for name, pounds in pairs(W["amounts"]).items()}
FOLLOW_UPS: dict[str, list[str]] = {}
for first, then in (item.split(">") for item in W["pairs"]):
    FOLLOW_UPS.setdefault(first, []).append(then)


@dataclass
class Answer:
    text: str
    template: bool  # a policy answer the bot may give; False for agents reporting an action they took
    needs: frozenset[str]  # conversation details it relies on (order, email, amount, code, gift)


@dataclass
class Intent:
    name: str
    slots: frozenset[str]
    weight: int
    always_human: bool = False
    questions: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def fill(text: str, slots: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: slots[m.group(1)], text)


def parse(data: str) -> dict[str, Intent]:
    """The intents described by DATA, in order."""
    intents: dict[str, Intent] = {}
    intent: Intent | None = None
    for line in data.strip().splitlines():
        if line.startswith("["):
            name, slots, weight, *flags = line.strip("[]").split()
            asked_for = frozenset(slots.split("+")) - {"-"}
            intent = intents[name] = Intent(name, asked_for, int(weight), "human" in flags)
        elif intent is None:
            raise ValueError(f"data before the first intent: {line!r}")
        elif line.startswith(" "):
            intent.answers[-1].text += " " + line.strip()
        elif m := re.match(r"([!*])(\w*) (.*)", line):
            intent.answers.append(Answer(m[3], m[1] == "!", frozenset(filter(None, [m[2]]))))
        else:
            target = {"?": intent.questions, "@": intent.asks, "&": intent.replies}[line[0]]
            target.extend(line[2:].split(" | "))
    for intent in intents.values():
        for answer in intent.answers:
            if not placeholders(answer.text) <= TEMPLATE_SLOTS:
                raise ValueError(f"{intent.name}: answers may only use {sorted(TEMPLATE_SLOTS)}: {answer.text}")
            answer.needs |= {"order" if p == "order_id" else p for p in placeholders(answer.text)} - {"date"}
        if not any(a.template and not a.needs for a in intent.answers):
            raise ValueError(f"{intent.name}: needs a policy answer without placeholders")
    return intents


def fake_phone(rng: random.Random) -> str:
    """A number from a range reserved for fiction (Ofcom drama numbers, North American 555-01xx)."""
    return rng.choice(
        [
            f"+44 20 7946 0{rng.randint(0, 999):03d}",
            f"(555) 010-{rng.randint(1000, 9999)}",
            f"07700 900{rng.randint(0, 999):03d}",
        ]
    )


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def make_slots(rng: random.Random, when: dt.date, intent: str) -> dict[str, str]:
    """Fictional values for every placeholder a conversation about `intent` may use."""
    digits = str(rng.randint(100000, 999999))
    order_id = f"NW-{digits}"
    said = rng.choices([order_id, f"NW{digits}", f"nw-{digits}", f"#{order_id}"], weights=[8, 1, 1, 1])[0]
    day = when - dt.timedelta(days=rng.randint(2, 12))
    soonest, latest = DATE_DAYS.get(intent, (1, 5))
    due = when + dt.timedelta(days=rng.randint(soonest, latest))
    due += dt.timedelta(days=1 if due.weekday() == 6 else 0)  # nothing happens on Sundays
    low, high = AMOUNTS.get(intent, (9, 180))
    first, last = rng.choice(W["first"]), rng.choice(W["last"])
    user = rng.choice([f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first}_{last[0]}"])
    return {
        "order": said,
        "order_id": order_id,
        "email": f"{user}@{rng.choice(['example.com', 'example.org'])}",
        "phone": fake_phone(rng),
        "card": rng.choice(W["card"]),
        "day": rng.choice(
            [f"{day.day} {day:%B}", f"the {ordinal(day.day)}", f"{day:%B} {day.day}", f"{day.day}/{day.month}"]
        ),
        "date": f"{due:%A} {due.day} {due:%B}" + (f" {due.year}" if due.year != when.year else ""),
        "amount": f"£{rng.randint(low, high)}.{rng.choice(['99', '49', '00', '95', '50'])}",
        "item": rng.choice(W["item"]),
        "country": rng.choice(W["country"]),
        "code": rng.choice(W["code"]),
        "plan": rng.choice(W["plan"]),
        "gift": f"NWGC-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
    }


def decap(text: str) -> str:
    """Lower-case the first letter, unless it starts a word that keeps its capital (I, I'm, SIM...)."""
    return text if re.match(r"(I\b|I'|[A-Z]{2,}|Nettlewick|Plus\b)", text) else text[:1].lower() + text[1:]


def typo(rng: random.Random, text: str) -> str:
    """One realistic slip in a plain word (never inside a placeholder)."""
    words = [m for m in re.finditer(r"\{\w+\}|[A-Za-z]+", text) if m[0][0] != "{" and len(m[0]) >= 4]
    if not words:
        return text
    known = [m for m in words if m[0].lower() in TYPOS]
    m = rng.choice(known) if known and rng.random() < 0.6 else rng.choice(words)
    word, i = m[0], rng.randrange(1, len(m[0]) - 2)
    new = TYPOS.get(word.lower()) or rng.choice(
        [word[:i] + word[i + 1] + word[i] + word[i + 2 :], word[:i] + word[i + 1 :]]
    )
    return text[: m.start()] + new + text[m.end() :]


GREETING = re.compile(r"^(hi|hello|hey|hiya|dear nettlewick|good (morning|afternoon))\b[,!]?\s*", re.I)


def vary(rng: random.Random, text: str, channel: str, greeted: bool) -> str:
    """Light surface variation of a customer phrasing (placeholders still in it)."""
    if rng.random() < 0.1:
        text = typo(rng, text)
    if channel == "chat":
        if rng.random() < 0.2:
            text = text.lower().rstrip(".")
            text = text.replace("'", "") if rng.random() < 0.4 else text
        if not greeted and not GREETING.match(text) and rng.random() < 0.25:
            text = rng.choice(W["inline_hi"]) + " " + decap(text)
        if rng.random() < 0.12 and not re.search(r"thank|please|pls|help", text, re.I):
            suffix = rng.choice(W["suffixes"])
            text += (". " if text[-1].isalnum() and suffix[0].isupper() else " ") + suffix
    return text


def split_message(rng: random.Random, text: str, greeted: bool) -> list[str]:
    """A chat message sent in two parts, as people do when they hit Enter too early."""
    m = re.search(r"(?<=[.?!])\s+(?=\S)", text) or re.search(r",\s+", text)
    if m and 8 < m.start() < len(text) - 8:
        return [text[: m.start()], text[m.end() :]]
    return (
        [text] if greeted else [rng.choice(["hello?", "hi, need some help", "quick question"]), GREETING.sub("", text)]
    )


class Decks:
    """Deals each intent's phrasings in shuffled rounds, so every phrasing is used before any repeats."""

    def __init__(self, rng: random.Random, intents: dict[str, Intent]) -> None:
        self.rng, self.intents = rng, intents
        self.piles: dict[str, list[str]] = {name: [] for name in intents}

    def draw(self, name: str, missing: frozenset[str]) -> str:
        pile = self.piles[name]
        for _ in range(2):
            for i, question in enumerate(pile):
                if not placeholders(question) & missing:
                    return pile.pop(i)
            pile.extend(self.rng.sample(self.intents[name].questions, len(self.intents[name].questions)))
        raise ValueError(f"{name}: no phrasing without {sorted(missing)}")


SHARED_SLOTS = ("order", "order_id", "email", "amount", "date")


def slot_kind(key: str, intent: Intent) -> Any:
    """What a slot means for this intent: amounts and dates carry over only between intents that agree."""
    return {"amount": AMOUNTS, "date": DATE_DAYS}.get(key, {}).get(intent.name, "default")


class Conversation:
    def __init__(self, rng: random.Random, decks: Decks, when: dt.date, channel: str) -> None:
        self.rng, self.decks, self.when, self.channel = rng, decks, when, channel
        self.agent_name = rng.choice(W["agents"])
        self.signature = rng.choice(W["first"]).title() + (f"\n{fake_phone(rng)}" if rng.random() < 0.2 else "")
        self.turns: list[dict[str, str]] = []
        self.shared: dict[str, tuple[Any, str]] = {}  # details that carry over to a second question

    def customer(self, text: str, intent: str | None = None) -> None:
        self.turns.append({"role": "customer", "text": text, **({"intent": intent} if intent else {})})

    def agent(self, text: str) -> None:
        if self.channel == "email":
            text = f"Hello,\n\n{text}\n\nKind regards,\n{self.agent_name}\n{COMPANY} Customer Care"
        self.turns.append({"role": "agent", "text": text.replace("{agent}", self.agent_name)})

    def greet(self) -> bool:
        if self.channel != "chat" or self.rng.random() >= 0.3:
            return False
        self.customer(self.rng.choice(W["customer_hi"]))
        if self.rng.random() < 0.75:  # otherwise two customer messages in a row
            self.agent(self.rng.choice(W["agent_hi"]))
        return True

    def segment(self, intent: Intent, multi_turn: bool, greeted: bool, lead: str = "") -> None:
        """The customer's question about `intent`, perhaps a follow-up question, and the agent's answer."""
        rng = self.rng
        slots = make_slots(rng, self.when, intent.name)
        slots.update({key: value for key, (kind, value) in self.shared.items() if kind == slot_kind(key, intent)})
        self.shared = {key: (slot_kind(key, intent), slots[key]) for key in SHARED_SLOTS}
        question = self.decks.draw(intent.name, intent.slots if multi_turn else frozenset())
        text = fill(vary(rng, question, self.channel, greeted or bool(lead)), slots)
        if lead:
            text = lead + decap(GREETING.sub("", text))
        if self.channel == "email" and not self.turns:
            hello = "" if GREETING.match(text) else rng.choice(["Hello,\n\n", "Hi,\n\n", ""])
            text = hello + text + rng.choice(["\n\nThanks", "\n\nKind regards,\n", "\n\nBest wishes,\n", ""])
            text += self.signature if text.endswith("\n") else ""
        split = self.channel == "chat" and not lead and rng.random() < 0.1
        for part in split_message(rng, text, greeted) if split else [text]:
            self.customer(part, intent.name)
        known = placeholders(question)
        if multi_turn:
            slot = sorted(intent.slots)[0]
            self.agent(rng.choice(intent.asks or W[f"ask_{slot}"]))
            if self.channel == "chat" and rng.random() < 0.15:
                self.customer(rng.choice(W["hold_on"]), intent.name)
            self.customer(fill(rng.choice(intent.replies or W[f"reply_{slot}"]), slots), intent.name)
            known |= intent.slots
        if known & {"order", "gift"}:
            known.add("amount")  # the agent looks the amount up
        answers = [a for a in intent.answers if a.needs <= known]
        if multi_turn or rng.random() < 0.8:  # use what the customer told us
            answers = [a for a in answers if a.needs] or answers
        answer = fill(rng.choice(answers).text, slots)
        self.agent(f"{W['card_warning'][0]} {answer}" if "card" in known else answer)

    def sign_off(self) -> None:
        rng, r = self.rng, self.rng.random()
        if self.channel == "email":
            if r < 0.3:
                self.customer(rng.choice(W["email_thanks"]))
        elif r < 0.45:
            self.customer(rng.choice(W["customer_thanks"]))
            if rng.random() < 0.7:
                self.agent(rng.choice(W["agent_bye"]))
        elif r < 0.6:
            self.agent(rng.choice(W["anything_else"]))
            self.customer(rng.choice(W["customer_no"]))
            if rng.random() < 0.6:
                self.agent(rng.choice(W["agent_bye"]))


def build(seed: int) -> tuple[list[dict[str, Any]], dict[str, Intent], dict[str, int]]:
    """All conversations (sorted by date, ids assigned), the intents, and a few generation counts."""
    rng = random.Random(seed)
    intents = parse(DATA)
    primaries = [name for name, intent in intents.items() for _ in range(intent.weight)]
    rng.shuffle(primaries)
    n = len(primaries)
    askable = [i for i in range(n) if intents[primaries[i]].slots]
    multi_turn = set(rng.sample(askable, round(MULTI_TURN_SHARE * n)))
    paired = [i for i in range(n) if primaries[i] in FOLLOW_UPS]
    multi_intent = set(rng.sample(paired, round(MULTI_INTENT_SHARE * n)))
    unlabelled = set(rng.sample([i for i in range(n) if i not in multi_intent], UNLABELLED))
    decks, records = Decks(rng, intents), []
    for i, name in enumerate(primaries):
        when = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        conv = Conversation(rng, decks, when, "email" if rng.random() < EMAIL_SHARE else "chat")
        conv.segment(intents[name], i in multi_turn, conv.greet())
        if i in multi_intent:
            conv.segment(intents[rng.choice(FOLLOW_UPS[name])], False, True, lead=rng.choice(W["second_lead"]) + " ")
        else:
            for turn in conv.turns:
                turn.pop("intent", None)
        conv.sign_off()
        record: dict[str, Any] = {"turns": conv.turns, "intent": name}
        if i in unlabelled:
            del record["intent"]
        records.append({**record, "metadata": {"channel": conv.channel, "date": when.isoformat()}})
    records.sort(key=lambda r: r["metadata"]["date"])
    stats = {"multi_turn": len(multi_turn), "multi_intent": len(multi_intent), "unlabelled": len(unlabelled)}
    return [{"id": f"demo-{k:04d}", **r} for k, r in enumerate(records, 1)], intents, stats


def toml_templates(intents: dict[str, Intent]) -> str:
    lines = [
        f"# Answer templates for {COMPANY}. One table per intent.",
        "#",
        "# [intents.<intent>]   <intent> is an intent label used in conversations.jsonl",
        "# variants = [...]     several phrasings of the same answer; the bot picks one per reply",
        "# always_human = true  optional: the bot hands these conversations to staff instead of answering",
        "#",
        "# Placeholders {order_id}, {email}, {date} and {amount} are filled from the conversation; variants",
        "# that use none can always be given. Only policy answers are here: replies in which an agent",
        '# reports an action on the account ("I\'ve cancelled your order") appear only in conversations.',
        "# Generated by scripts/make_demo_company.py: edit the script and re-run it rather than this file.",
    ]
    for intent in intents.values():
        lines += ["", f"[intents.{intent.name}]", "variants = ["]
        lines += [f"    {json.dumps(a.text, ensure_ascii=False)}," for a in intent.answers if a.template]
        lines += ["]"] + (["always_human = true"] if intent.always_human else [])
    return "\n".join(lines) + "\n"


def readme(convs: list[dict[str, Any]], intents: dict[str, Intent], stats: dict[str, int]) -> str:
    counts: Counter[str] = Counter()
    for conv in convs:
        labels: set[str] = {t["intent"] for t in conv["turns"] if "intent" in t}
        counts.update(labels | ({conv["intent"]} if "intent" in conv else set()))
    rows = "\n".join(f"| `{name}` | {counts[name]} |" for name in sorted(intents))
    chats = sum(c["metadata"]["channel"] == "chat" for c in convs)
    return f"""# Demo company: {COMPANY}

{COMPANY} is a fictional UK company invented for this project. It sells homeware and gadgets online and in
four showrooms (London, Leeds, Bristol, Glasgow), and also offers {COMPANY} Mobile SIM-only plans, Fibre
broadband and a {COMPANY} Plus delivery membership. Its support team answers customers by chat and email.

All data here is **fictional and was written for this project**; no text comes from a real company or a
public dataset. Contact details are reserved fictional ones (`example.com`/`example.org` addresses,
555-01xx and Ofcom drama-range phone numbers, well-known payment test card numbers), so PII masking can be
exercised safely. Licence: the same as the project, Apache-2.0.

## Files

- `conversations.jsonl`: {len(convs)} support conversations ({chats} chat, {len(convs) - chats} email), dated 2026.
- `templates.toml`: answer templates for all {len(intents)} intents (the company's policy answers).

Both files and this README are generated, deterministically and with the standard library only. To
regenerate them, run from the repository root:

```
python scripts/make_demo_company.py
```

## Format

One conversation per line:

```json
{{"id": "demo-0001", "turns": [{{"role": "customer", "text": "..."}}, {{"role": "agent", "text": "..."}}],
 "intent": "order_status", "metadata": {{"channel": "chat", "date": "2026-03-14"}}}}
```

- `role` is exactly `customer` or `agent`; every conversation has at least one of each.
- `intent` is the conversation's (first) intent; {stats["unlabelled"]} conversations have no `intent` key.
- {stats["multi_intent"]} multi-intent conversations also label each customer turn of a question with its
  own `intent` (greetings and thanks are unlabelled).
- Like a real helpdesk export, the data is messy: greeting and sign-off turns, a message split over two
  consecutive customer turns, typos, email signatures, {stats["multi_turn"]} conversations where the agent
  first asks for an order number or email address, and fake PII (emails, phone numbers, test cards).
- Agents reuse a few macros per intent. Besides the policy answers in `templates.toml`, they also report
  actions taken on the account ("I've cancelled order NW-…"), which a bot should not claim.

`templates.toml` holds one `[intents.<name>]` table per intent with a `variants` list. The placeholders
`{{order_id}}`, `{{email}}`, `{{date}}` and `{{amount}}` are filled from the conversation, and
`always_human = true` marks intents the bot hands over to staff.

## Intents

Conversations in which each intent occurs:

| intent | conversations |
|---|---|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the Nettlewick demo company data.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)")
    args = parser.parse_args()
    convs, intents, stats = build(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "conversations.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(conv, ensure_ascii=False) + "\n" for conv in convs)
    templates = toml_templates(intents)
    tomllib.loads(templates)  # fail loudly rather than write a file the product cannot read
    (args.out / "templates.toml").write_text(templates, encoding="utf-8", newline="\n")
    (args.out / "README.md").write_text(readme(convs, intents, stats), encoding="utf-8", newline="\n")
    print(f"wrote {len(convs)} conversations over {len(intents)} intents to {args.out}")


if __name__ == "__main__":
    main()
